# augment.cmake: dlc train --augment as a list.  hflip,crop:1,shift trains and is recorded in
# the checkpoint (dlc.augment, canonical order); a run resumed without --augment takes it back
# and stays bit for bit (2 epochs == 1 + save + load + 1); the model's spec.train.augment
# ("crop:1,hflip") applies when the command line says nothing; bad lists are usage errors
# (exit 2), a crop padding as large as the 6x6 image is refused (exit 1).
include(${SRC}/common.cmake)
set(a ${WORK}/a.safetensors)
set(b ${WORK}/b.safetensors)
set(c ${WORK}/c.safetensors)
file(REMOVE ${a} ${b} ${c})
set(aug --augment hflip,crop:1,shift)
dlc_train(two 0 ${BANDS} ${TRAIN_IDX} --epochs 2 --save ${a} ${aug})
expect_match("${two_out}" "\naugment: hflip,crop:1,shift\n" stdout)
dlc_train(one 0 ${BANDS} ${TRAIN_IDX} --epochs 1 --save ${b} --augment shift,crop:1,hflip)
dlc_train(res 0 ${BANDS} ${TRAIN_IDX} --epochs 1 --load ${b} --save ${c})
expect_match("${res_out}" "\naugment: hflip,crop:1,shift\n" stdout)
st_header(h ${a})
expect_match("${h}" "\"dlc.augment\":\"hflip,crop:1,shift\"" "${a}'s header")
expect_same_file(${a} ${c})
# augmentation changes what is trained: the same run without it differs
dlc_train(plain 0 ${BANDS} ${TRAIN_IDX} --epochs 2 --save ${b})
expect_different_file(${a} ${b})

dlc_train(spec 0 ${SCHED}/run/bands_augment.lua ${TRAIN_IDX})
expect_match("${spec_out}" "\naugment: hflip,crop:1\n" stdout)
dlc_train(spec_none 0 ${SCHED}/run/bands_augment.lua ${TRAIN_IDX} --augment none)
expect_no_match("${spec_none_out}" "augment:" stdout)

foreach(bad crop:0 crop:x crop: crop:01 crop:1025 hflip,hflip flip hflip, ,hflip crop:2,crop:2)
  dlc_train(b 2 ${BANDS} ${TRAIN_IDX} --augment "${bad}")
  expect_match("${b_err}" "--augment is none or a comma list of hflip, crop:P \\(P from 1 to 1024\\) and shift" stderr)
endforeach()
dlc_train(big 1 ${BANDS} ${TRAIN_IDX} --augment crop:6)
expect_match("${big_err}" "--augment crop:6: the padding must be smaller than the 6x6 image" stderr)
dlc_train(csv 1 ${BLOBS} --csv ${DATA}/blobs.csv --label kind --augment shift)
expect_match("${csv_err}" "--augment shift needs an image input \\[batch, c, h, w\\]" stderr)
