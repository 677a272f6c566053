# compiles.cmake -DDLC=dlc -DCC=cc -DFLAGS="..." -DMODEL=m.lua -DOUT=dir [-DARGS="..."]: dlc writes
# the model's C with ARGS, which must compile with -Wall -Wextra -Werror and FLAGS (a user's
# strict build: --openmp C of a model too small for any parallel region once defined its
# NAME_par functions unused).
separate_arguments(args UNIX_COMMAND "${ARGS}")
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
file(MAKE_DIRECTORY ${OUT})
get_filename_component(name ${MODEL} NAME_WE)
execute_process(COMMAND ${DLC} ${MODEL} ${args} -o ${OUT}/${name}.c RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dlc ${MODEL} ${ARGS} failed")
endif()
execute_process(COMMAND ${CC} -std=c11 -Wall -Wextra -Werror ${flags} -I${OUT} -I${RUNTIME} -c ${OUT}/${name}.c
                        -o ${OUT}/${name}.o RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OUT}/${name}.c (dlc ${ARGS}) does not compile warning-free with ${FLAGS}")
endif()
