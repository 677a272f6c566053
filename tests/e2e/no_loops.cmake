# no_loops.cmake -DFILE=net.c: fails when a compute loop (for (int i0 ...), as the emitter
# writes them) is left in the generated file.  The checkpoint code's metadata loop is not one.
file(READ ${FILE} src)
string(REGEX MATCH "for \\(int i[0-9]+ = [^\n]*" loop "${src}")
if(loop)
  message(FATAL_ERROR "${FILE} still has a loop: ${loop}\n--unroll full must unroll everything")
endif()
string(FIND "${src}" "_train_step(" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${FILE} has no training step")
endif()
