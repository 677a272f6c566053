# inputs.cmake: dlc train on a functional model with several inputs and an int32 one
# (pixels.lua: inputs {label, pixels}, target = label): the data feeds the first input besides
# the target, or the one --input names; other inputs are refused by name; int32 values come
# from the data as they are, and a value that is not an integer or out of range is refused
# naming the file and the sample.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(M ${SRC}/pixels.lua)

dlc_train(a 0 ${M} ${TRAIN_IDX} --epochs 4 --seed 2)
expect_match("${a_out}" "normalize: none\n" stdout)
expect_match("${a_out}" "\nepoch 4/4  train loss [0-9.]+ acc 0\\.[89]" stdout)
dlc_train(b 0 ${M} ${TRAIN_IDX} --epochs 4 --seed 2 --input pixels)
if(NOT a_out STREQUAL b_out)
  message(FATAL_ERROR "--input pixels changed the run:\n${a_out}\n${b_out}")
endif()

dlc_train(c 2 ${M} ${TRAIN_IDX} --input label)
expect_match("${c_err}" "pixels.lua: dlc train: the model takes its input 'label' as the target: --input names the input the data feeds" stderr)
dlc_train(d 2 ${M} ${TRAIN_IDX} --input nope)
expect_match("${d_err}" "the model has no input named 'nope' \\(--input\\)" stderr)
dlc_train(e 1 ${M} ${TRAIN_IDX} -D extra=1)
expect_match("${e_err}" "the model has inputs the data does not feed: 'gain' \\(dlc train feeds 'pixels', the first besides the target" stderr)
dlc_train(f 1 ${M} ${TRAIN_IDX} --normalize zscore)
expect_match("${f_err}" "the model's input 'pixels' is int32: its values are fed as they are, give --normalize none" stderr)

# CSV values: 36 pixel columns and a label; one bad value each
string(REPEAT "7," 35 row)
set(ok "${row}7,1\n")
file(WRITE ${WORK}/half.csv "${ok}${ok}${row}2.5,0\n")
dlc_train(g 1 ${M} --csv ${WORK}/half.csv --label 37)
expect_match("${g_err}" "half.csv: sample 2 \\(from 0\\), value 36: 2\\.5 is not an integer; the model's input 'pixels' takes int32 values" stderr)
file(WRITE ${WORK}/big.csv "${ok}${row}99999999,0\n")
dlc_train(h 1 ${M} --csv ${WORK}/big.csv --label 37)
expect_match("${h_err}" "big.csv: sample 1 \\(from 0\\), value 36: 100000000 is outside the range of exact integers" stderr)
