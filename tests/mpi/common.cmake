# common.cmake - helpers of the tests/mpi/*.cmake scripts (cmake -P), which get tests/train's
# -DDLC -DSRC -DWORK -DDLC_CACHE (see tests/train/common.cmake, included) and
#   -DMPIEXEC=<mpirun> -DST_DIFF=<st_diff> -DMPI_SRC=<tests/mpi>
include(${SRC}/common.cmake)
set(CHECKED_RUN_TIMEOUT 300) # mpirun starts ranks, 3 of them on 2 cores
set(IDX --idx ${DATA}/bands-train-images-idx3-ubyte ${DATA}/bands-train-labels-idx1-ubyte)
set(DROP ${MPI_SRC}/drop.lua)
set(NORM ${MPI_SRC}/norm.lua)

# mpi_train(<var> <status> <ranks> ARGS...): `mpirun -np <ranks> dlc train ARGS...` through
# checked_run (<status> "fail": any failure).  As root (CI) mpirun needs --allow-run-as-root;
# --oversubscribe lets 3 ranks share 2 cores.  MPI_EXTRA: more mpirun options.
macro(mpi_train var status ranks)
  checked_run(${var} ${status} "mpirun -np ${ranks} dlc train ${ARGN}"
              ${MPIEXEC} -np ${ranks} --allow-run-as-root --oversubscribe ${MPI_EXTRA} ${DLC} train ${ARGN})
endmacro()

# expect_close(<a> <b> <tol>): st_diff's largest scaled difference between the checkpoints is
# at most <tol> (0: the same values, bit for bit)
function(expect_close a b tol)
  execute_process(COMMAND ${ST_DIFF} ${a} ${b} ${tol} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${a} and ${b} differ by more than ${tol}:\n${out}${err}")
  endif()
  string(REGEX MATCH "largest scaled difference [^\n]*" line "${out}")
  message(STATUS "${a} vs ${b}: ${line}")
endfunction()

# expect_apart(<a> <b> <tol>): they differ by more than <tol> (a check that the test can fail)
function(expect_apart a b tol)
  execute_process(COMMAND ${ST_DIFF} ${a} ${b} ${tol} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "${a} and ${b} should differ by more than ${tol}:\n${out}")
  endif()
endfunction()
