# deterministic.cmake - --mpi-deterministic: two 3-rank runs (three: the order of the additions
# matters; with two, IEEE addition commutes) write byte-identical checkpoints, which agree with
# one process on the global batch to 1e-5.  And `mpirun -np 1 ... --mpi` is the run without
# --mpi, bit for bit.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

foreach(run a b)
  mpi_train(det 0 3 ${DROP} ${IDX} --epochs 2 --batch 8 --mpi-deterministic --save ${WORK}/det-${run}.safetensors)
  expect_match("${det_out}" "global batch of 24; [0-9]+ values [^\n]* summed a step, in rank order \\(deterministic\\)" stdout)
endforeach()
expect_same_file(${WORK}/det-a.safetensors ${WORK}/det-b.safetensors)
dlc_train(one 0 ${DROP} ${IDX} --epochs 2 --batch 24 --save ${WORK}/one-24.safetensors)
expect_close(${WORK}/one-24.safetensors ${WORK}/det-a.safetensors 1e-5)

mpi_train(single 0 1 ${DROP} ${IDX} --epochs 2 --mpi --save ${WORK}/mpi-1.safetensors)
dlc_train(plain 0 ${DROP} ${IDX} --epochs 2 --save ${WORK}/plain.safetensors)
expect_same_file(${WORK}/mpi-1.safetensors ${WORK}/plain.safetensors)
