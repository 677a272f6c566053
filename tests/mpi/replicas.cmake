# replicas.cmake - the replicas stay one model.  norm.lua (batch norm) on 2 ranks (launched with
# a hostfile, "localhost slots=2"): each
# normalizes with its own batch, the running statistics are averaged every step, and dlc train's
# check at the end (a hash of every rank's tensors) passes.  Ranks that do not start from the
# same model (here: another --seed on rank 1, through mpirun's MPMD form) are refused at the
# start, exit 1 on every rank, without a hang.  A dlc with no dlc_mpi.so next to it or in
# ../lib/dlc says so, and dlc itself does not link MPI (ldd).  --check-numerics: a NaN stops every
# rank at the same step, each naming where it met it.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

file(WRITE ${WORK}/hosts "localhost slots=2\n") # README's hostfile form, on this machine
set(MPI_EXTRA --hostfile ${WORK}/hosts)
mpi_train(norm 0 2 ${NORM} ${IDX} --epochs 3 --mpi --save ${WORK}/norm.safetensors)
unset(MPI_EXTRA)
expect_match("${norm_out}" "epoch 3/3  train loss [0-9.]+ acc" stdout)

checked_run(seeds fail "mpirun MPMD: two ranks with --seed 1 and --seed 2"
            ${MPIEXEC} --allow-run-as-root --oversubscribe
            -np 1 ${DLC} train ${SRC}/bands.lua ${IDX} --epochs 1 --mpi --seed 1 :
            -np 1 ${DLC} train ${SRC}/bands.lua ${IDX} --epochs 1 --mpi --seed 2)
expect_match("${seeds_err}" "the ranks did not start from the same model and data" stderr)

file(MAKE_DIRECTORY ${WORK}/alone)
file(COPY ${DLC} DESTINATION ${WORK}/alone)
get_filename_component(exe ${DLC} NAME)
checked_run(alone 1 "dlc (copied away from its plugin) train --mpi" ${WORK}/alone/${exe} train ${SRC}/bands.lua ${IDX} --epochs 1 --mpi)
expect_match("${alone_err}" "dlc train: --mpi: dlc_mpi.so is neither at [^\n]*/alone/dlc_mpi.so nor at " stderr)

execute_process(COMMAND ldd ${DLC} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR out MATCHES "libmpi|libopen-")
  message(FATAL_ERROR "dlc must not link MPI (only dlc_mpi.so does); ldd says:\n${out}")
endif()
get_filename_component(bin ${DLC} DIRECTORY)
execute_process(COMMAND ldd ${bin}/dlc_mpi.so OUTPUT_VARIABLE out)
if(NOT out MATCHES "libmpi")
  message(FATAL_ERROR "the plugin ${bin}/dlc_mpi.so should link libmpi (the check above would prove nothing):\n${out}")
endif()
message(STATUS "dlc links no MPI; dlc_mpi.so does")

set(NUM ${SRC}/numerics.lua)
mpi_train(num 1 2 ${NUM} --csv ${DATA}/blobs.csv --label kind --normalize zscore --epochs 1 -D log=1 --check-numerics --mpi)
expect_match("${num_err}" "dlc train: epoch 1, step 1: --check-numerics: nan at element [0-9]+ of %[0-9]+ log " stderr)
expect_match("${num_err}" "dlc train \\(rank 1\\): epoch 1, step 1: --check-numerics: nan " stderr)
