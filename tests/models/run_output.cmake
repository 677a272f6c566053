# run_output.cmake -DDLC=dlc -DMODEL=m.lua -DARGS="..." -DEXPECT="regex;regex;..." [-DREJECT=regex]
# Runs dlc (it must succeed) and checks that stdout matches every regex in EXPECT, in order
# of appearance not required, and matches none of REJECT.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${DLC} ${MODEL} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dlc exited ${rc}: ${err}")
endif()
foreach(re ${EXPECT})
  if(NOT out MATCHES "${re}")
    message(FATAL_ERROR "output lacks\n  ${re}\noutput:\n${out}")
  endif()
endforeach()
if(DEFINED REJECT AND out MATCHES "${REJECT}")
  message(FATAL_ERROR "output matches ${REJECT}:\n${out}")
endif()
