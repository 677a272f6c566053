# checkpoints.cmake - a checkpoint written by 2 ranks resumes in one process, and one written by
# one process resumes on 2 ranks: 1 epoch + save + load + 1 epoch agrees with 2 straight epochs
# of one process on the global batch (drop.lua: Adam's state and the step count travel too).
# The file is rank 0's, written once (atomically, as every --save).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

dlc_train(straight 0 ${DROP} ${IDX} --epochs 2 --batch 16 --save ${WORK}/straight.safetensors)

mpi_train(first 0 2 ${DROP} ${IDX} --epochs 1 --batch 8 --mpi --save ${WORK}/by2.safetensors)
dlc_train(then 0 ${DROP} ${IDX} --epochs 1 --batch 16 --load ${WORK}/by2.safetensors --save ${WORK}/by2-then1.safetensors)
expect_match("${then_out}" "resumed [^\n]*by2.safetensors: 1 epochs, 13 steps done" stdout)
expect_close(${WORK}/straight.safetensors ${WORK}/by2-then1.safetensors 1e-5)

dlc_train(first 0 ${DROP} ${IDX} --epochs 1 --batch 16 --save ${WORK}/by1.safetensors)
mpi_train(then 0 2 ${DROP} ${IDX} --epochs 1 --batch 8 --mpi --load ${WORK}/by1.safetensors --save ${WORK}/by1-then2.safetensors)
expect_match("${then_out}" "resumed [^\n]*by1.safetensors: 1 epochs, 13 steps done" stdout)
expect_close(${WORK}/straight.safetensors ${WORK}/by1-then2.safetensors 1e-5)
