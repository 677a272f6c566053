# predict.cmake: dlc predict MODEL --load CKPT writes one CSV row per sample: a classifier's
# class (as many right as dlc train's test accuracy says), with class names from the checkpoint
# and --scores; a binary classifier's 0/1 and probability; an autoencoder's outputs; refusals.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(TEST_IMAGES ${DATA}/bands-test-images-idx3-ubyte)

dlc_train(t 0 ${BANDS} ${TRAIN_IDX} ${TEST_IDX} --epochs 5 --save ${WORK}/bands.safetensors)
string(REGEX MATCH "\ntest: accuracy ([0-9.]+)" m "${t_out}")
set(acc ${CMAKE_MATCH_1})
dlc_predict(a 0 ${BANDS} --load ${WORK}/bands.safetensors --idx ${TEST_IMAGES} -o ${WORK}/pred.csv)
expect_match("${a_err}" "predicted 60 samples from [^\n]*bands-test-images-idx3-ubyte into " stderr)
file(STRINGS ${WORK}/pred.csv rows)
list(LENGTH rows n)
list(GET rows 0 head)
if(NOT n EQUAL 61 OR NOT head STREQUAL "sample,class")
  message(FATAL_ERROR "pred.csv: ${n} lines, header '${head}'; expected 61 and 'sample,class'")
endif()
# the predictions against the labels (the IDX labels file: 8 header bytes, then one byte each)
file(READ ${DATA}/bands-test-labels-idx1-ubyte hex OFFSET 8 HEX)
set(right 0)
foreach(i RANGE 59)
  math(EXPR at "2 * ${i}")
  string(SUBSTRING "${hex}" ${at} 2 byte)
  math(EXPR label "0x${byte}")
  math(EXPR row "${i} + 1")
  list(GET rows ${row} line)
  if(line STREQUAL "${i},${label}")
    math(EXPR right "${right} + 1")
  endif()
endforeach()
string(REGEX REPLACE "^0\\.0*([0-9]+)$" "\\1" frac "${acc}") # 4 decimals: 0.9833 -> 9833
if(acc STREQUAL "1.0000")
  set(frac 10000)
endif()
math(EXPR got "${right} * 10000 / 60")
math(EXPR diff "${got} - ${frac}")
if(diff GREATER 1 OR diff LESS -1)
  message(FATAL_ERROR "dlc predict has ${right} of 60 right; dlc train's test accuracy was ${acc}")
endif()

dlc_predict(b 0 ${BANDS} --load ${WORK}/bands.safetensors --idx ${TEST_IMAGES} ${DATA}/bands-test-labels-idx1-ubyte --scores)
expect_match("${b_out}" "^sample,class,score_0,score_1,score_2\n0,[0-2],[-0-9.e]+,[-0-9.e]+,[-0-9.e]+\n" stdout)

# class names from the checkpoint (CSV string labels), the label column left out
dlc_train(c 0 ${BLOBS} --csv ${DATA}/blobs.csv --label kind --epochs 3 --save ${WORK}/blobs.safetensors)
dlc_predict(c 0 ${BLOBS} --load ${WORK}/blobs.safetensors --csv ${DATA}/blobs-test.csv --label kind)
expect_match("${c_out}" "^sample,class,name\n0,[0-2],\"(alpha|beta|gamma)\"\n" stdout)

dlc_train(d 0 ${SRC}/loans.lua --csv ${DATA}/loans.csv --label repaid --normalize zscore --epochs 3
          --save ${WORK}/loans.safetensors)
dlc_predict(d 0 ${SRC}/loans.lua --load ${WORK}/loans.safetensors --csv ${DATA}/loans.csv --label repaid)
expect_match("${d_out}" "^sample,class,probability\n0,[01],0\\.[0-9]+" stdout)

dlc_train(e 0 ${SRC}/autoenc.lua --idx ${DATA}/bands-train-images-idx3-ubyte --epochs 1 --save ${WORK}/ae.safetensors)
dlc_predict(e 0 ${SRC}/autoenc.lua --load ${WORK}/ae.safetensors --idx ${TEST_IMAGES})
expect_match("${e_out}" "^sample,output_1,[^\n]*,output_36\n0,0\\.[0-9]+," stdout)

dlc_predict(f 2 ${BANDS} --idx ${TEST_IMAGES})
expect_match("${f_err}" "--load CKPT is needed" stderr)
dlc_predict(g 2 ${BANDS} --load ${WORK}/bands.safetensors --epochs 3)
expect_match("${g_err}" "--epochs is not an option of dlc predict" stderr)
dlc_predict(h 1 ${BANDS} --load ${WORK}/blobs.safetensors --idx ${TEST_IMAGES})
expect_match("${h_err}" "dlc predict: [^\n]*blobs.safetensors: net.1.weight: shape" stderr)
