# wrong_checkpoint.cmake: a checkpoint of another model is refused, naming the tensor.  blobs.lua
# (CSV, 4 features) has bands.lua's parameter names with other shapes; its checkpoint given to
# bands.lua with --load exits 1 with "<file>: net.1.weight: shape [16,4] in file, [16,36]
# expected", and nothing is trained or saved.  (It loads back into blobs.lua itself.)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(ck ${WORK}/blobs.safetensors)
set(out ${WORK}/never.safetensors)
file(REMOVE ${ck} ${out})
dlc_train(b 0 ${BLOBS} --csv ${DATA}/blobs.csv --label kind --epochs 1 --save ${ck})
dlc_train(ok 0 ${BLOBS} --csv ${DATA}/blobs.csv --label kind --epochs 1 --load ${ck})
expect_match("${ok_out}" "resumed [^\n]*blobs.safetensors: 1 epochs" stdout)

dlc_train(r 1 ${BANDS} ${TRAIN_IDX} --epochs 1 --load ${ck} --save ${out})
expect_match("${r_err}" "blobs.safetensors: net.1.weight: shape \\[16,4\\] in file, \\[16,36\\] expected" stderr)
expect_no_match("${r_out}" "\nepoch " stdout)
if(EXISTS ${out})
  message(FATAL_ERROR "a refused checkpoint still led to ${out}")
endif()
