# run_error.cmake -DDLC=dlc -DMODEL=m.lua [-DEXPECT=regex] [-DSTATUS=1] [-DARGS=...] -DOUT=dir
# Runs dlc on a model that must be refused: the exit status must be STATUS (default 1), stderr
# must match EXPECT (default: the model's first line, "-- expect: REGEX"), and nothing may
# crash: no signal, no "internal error", no sanitizer report.
if(NOT DEFINED STATUS)
  set(STATUS 1)
endif()
if(NOT DEFINED EXPECT)
  file(STRINGS ${MODEL} first LIMIT_COUNT 1)
  string(REGEX REPLACE "^-- expect: " "" EXPECT "${first}")
endif()
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${DLC} ${MODEL} ${args} -o ${OUT}/refused.c
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out TIMEOUT 60)
if(NOT "${rc}" STREQUAL "${STATUS}")
  message(FATAL_ERROR "exit status ${rc}, expected ${STATUS}\nstderr:\n${err}")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "stderr does not match\n  ${EXPECT}\nstderr:\n${err}")
endif()
if(err MATCHES "internal error|runtime error|AddressSanitizer|LeakSanitizer")
  message(FATAL_ERROR "dlc crashed or misbehaved:\n${err}")
endif()
message(STATUS "refused as expected: ${err}")
