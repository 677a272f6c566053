# equal.cmake - N ranks equal one process on the global batch.  The bands images, 3 epochs:
# bands.lua (SGD with momentum) and drop.lua (Adam, dropout), on 2 ranks of batch 8 against one
# process with --batch 16, and drop.lua on 3 ranks of batch 8 against --batch 24: the same data
# order and seed, so the checkpoints agree to 1e-5 (st_diff's scaled difference; the gradients'
# sums differ in the order of their additions only: ~1e-7 measured).  The control: one process
# with batch 8 (not the global batch) is far from the 2-rank run.  Rank 0 alone prints.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

foreach(model bands drop)
  set(lua ${SRC}/bands.lua)
  if(model STREQUAL "drop")
    set(lua ${DROP})
  endif()
  dlc_train(one 0 ${lua} ${IDX} --epochs 3 --batch 16 --save ${WORK}/${model}-1x16.safetensors)
  dlc_train(small 0 ${lua} ${IDX} --epochs 3 --batch 8 --save ${WORK}/${model}-1x8.safetensors)
  mpi_train(two 0 2 ${lua} ${IDX} --epochs 3 --batch 8 --mpi --save ${WORK}/${model}-2x8.safetensors)
  expect_match("${two_out}" "mpi: 2 ranks, each a batch of 8: a global batch of 16; [0-9]+ values \\([0-9.e+-]+ MB\\) summed a step\n" stdout)
  expect_match("${two_out}" "  mpi: 2 ranks x batch 8; [0-9]+ samples/s; summing the gradients [0-9.]+ ms a step" stdout)
  string(REGEX MATCHALL "\nepoch 1/3 " lines "${two_out}")
  list(LENGTH lines n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "${n} 'epoch 1/3' lines: rank 0 alone must print\n${two_out}")
  endif()
  expect_close(${WORK}/${model}-1x16.safetensors ${WORK}/${model}-2x8.safetensors 1e-5)
  expect_apart(${WORK}/${model}-1x8.safetensors ${WORK}/${model}-2x8.safetensors 1e-3)
endforeach()

dlc_train(one 0 ${DROP} ${IDX} --epochs 3 --batch 24 --save ${WORK}/drop-1x24.safetensors)
mpi_train(three 0 3 ${DROP} ${IDX} --epochs 3 --batch 8 --mpi --save ${WORK}/drop-3x8.safetensors)
expect_close(${WORK}/drop-1x24.safetensors ${WORK}/drop-3x8.safetensors 1e-5)
