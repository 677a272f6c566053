# defaults.cmake: a model's spec.train table supplies dlc train's defaults, and the command
# line still wins: bands_defaults.lua says {epochs = 1, val_split = 0.25, seed = 4,
# normalize = "minmax"}.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(MODEL ${SRC}/bands_defaults.lua)
set(ck ${WORK}/defaults.safetensors)
dlc_train(a 0 ${MODEL} ${TRAIN_IDX} --save ${ck})
expect_match("${a_out}" "split: 180 training, 60 validation samples; normalize: minmax\n" stdout)
expect_match("${a_out}" "\nepoch 1/1 " stdout)
expect_no_match("${a_out}" "\nepoch 2/" stdout)
st_header(h ${ck})
expect_match("${h}" "\"dlc.seed\":\"4\"" "${ck}'s header")
dlc_train(b 0 ${MODEL} ${TRAIN_IDX} --epochs 2 --val-split 0.5 --normalize scale)
expect_match("${b_out}" "split: 120 training, 120 validation samples; normalize: scale\n" stdout)
expect_match("${b_out}" "\nepoch 2/2 " stdout)
