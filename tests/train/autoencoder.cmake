# autoencoder.cmake: models whose loss compares the output with the input train with dlc train,
# the data's features fed as the input and no labels needed; the reconstruction loss falls.
#   autoenc.lua (target = "input") on IDX images alone, and with labels (ignored) and a test set;
#   autoenc_fn.lua (functional, target = x, its one input); autoenc.lua -D dim=4 on a CSV whose
#   label column is dropped.  No accuracy, no confusion matrix.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(AE ${SRC}/autoenc.lua)
set(IMAGES ${DATA}/bands-train-images-idx3-ubyte.gz)

dlc_train(a 0 ${AE} --idx ${IMAGES} --epochs 6 --seed 3)
expect_match("${a_out}" "target: the input itself \\(an autoencoder\\); the loss is the reconstruction loss\n" stdout)
expect_no_match("${a_out}" "acc|true\\\\pred" stdout)
epoch_losses(l "${a_out}")
expect_falling("${l}" "autoenc.lua on images alone")

# the labels file, when given, is read (and checked) but not used: the same losses
dlc_train(b 0 ${AE} ${TRAIN_IDX} --epochs 6 --seed 3 --test ${DATA}/bands-test-images-idx3-ubyte)
epoch_losses(lb "${b_out}")
if(NOT "${l}" STREQUAL "${lb}")
  message(FATAL_ERROR "labels changed the losses: ${l} vs ${lb}")
endif()
expect_match("${b_out}" "\ntest: loss [0-9.]+ over 60 samples\n" stdout)
expect_no_match("${b_out}" "acc|true\\\\pred" stdout)

dlc_train(c 0 ${SRC}/autoenc_fn.lua --idx ${IMAGES} --epochs 6 --seed 3)
expect_match("${c_out}" "target: the input itself" stdout)
epoch_losses(l "${c_out}")
expect_falling("${l}" "autoenc_fn.lua")

dlc_train(d 0 ${AE} -D dim=4 --csv ${DATA}/blobs.csv --label kind --epochs 6 --seed 3)
expect_match("${d_out}" "train: 120 samples of 4 values" stdout)
epoch_losses(l "${d_out}")
expect_falling("${l}" "autoenc.lua -D dim=4 on blobs.csv")

# a model with a target still needs the labels
dlc_train(e 2 ${SRC}/bands.lua --idx ${IMAGES})
expect_match("${e_err}" "--idx needs IMAGES and LABELS \\(the model has a target\\)" stderr)
dlc_train(f 2 ${BLOBS} --csv ${DATA}/blobs.csv)
expect_match("${f_err}" "--csv needs --label COL" stderr)
