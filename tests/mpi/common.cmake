# common.cmake - helpers of the tests/mpi/*.cmake scripts (cmake -P), which get tests/train's
# -DDLC -DSRC -DWORK -DDLC_CACHE (see tests/train/common.cmake, included) and
#   -DMPIEXEC=<mpirun> -DST_DIFF=<st_diff> -DMPI_SRC=<tests/mpi>
include(${SRC}/common.cmake)
set(IDX --idx ${DATA}/bands-train-images-idx3-ubyte ${DATA}/bands-train-labels-idx1-ubyte)
set(DROP ${MPI_SRC}/drop.lua)
set(NORM ${MPI_SRC}/norm.lua)

# mpi_train(<var> <status> <ranks> ARGS...): `mpirun -np <ranks> dlc train ARGS...` in WORK, as
# dlc_train (exit status, no sanitizer report; <var>_out, <var>_err).  As root (CI) mpirun needs
# --allow-run-as-root; --oversubscribe lets 3 ranks share 2 cores.  MPI_EXTRA: more mpirun options.
function(mpi_train var status ranks)
  execute_process(COMMAND ${MPIEXEC} -np ${ranks} --allow-run-as-root --oversubscribe ${MPI_EXTRA} ${DLC} train ${ARGN}
                  WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
  string(REPLACE ";" " " cmd "mpirun -np ${ranks} dlc train ${ARGN}")
  if(status STREQUAL "fail")
    if(rc EQUAL 0 OR NOT rc MATCHES "^[0-9]+$")
      message(FATAL_ERROR "${cmd}\nexit status ${rc}, expected a failure\nstdout:\n${out}\nstderr:\n${err}")
    endif()
  elseif(NOT "${rc}" STREQUAL "${status}")
    message(FATAL_ERROR "${cmd}\nexit status ${rc}, expected ${status}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  if(err MATCHES "runtime error|AddressSanitizer|internal error")
    message(FATAL_ERROR "${cmd}\ncrashed or misbehaved:\n${err}")
  endif()
  set(${var}_out "${out}" PARENT_SCOPE)
  set(${var}_err "${err}" PARENT_SCOPE)
  message(STATUS "${cmd}: exit ${rc}")
endfunction()

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
