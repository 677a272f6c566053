# dot.cmake -DDLC=dlc -DSRC=<repo> -DOUT=dir - the Graphviz views of examples/fashion_cnn.lua:
#  --dot=grad: one cluster per module, labelled with its name, kind and model line
#    ("net.4 Conv2d" at fashion_cnn.lua:10), its parameters inside it, forward nodes blue and
#    backward ones red and dashed;
#  --dot=module: one node per module (14 modules and the loss), no parameter or constant node,
#    an edge from each module to the next (net.3 MaxPool2d -> net.4 Conv2d).
file(MAKE_DIRECTORY ${OUT})
foreach(level grad module)
  execute_process(COMMAND ${DLC} examples/fashion_cnn.lua --dot=${level} -o ${OUT}/fc_${level}.dot
                  WORKING_DIRECTORY ${SRC} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dlc --dot=${level}: ${err}")
  endif()
  file(READ ${OUT}/fc_${level}.dot ${level})
endforeach()
foreach(re "subgraph \"cluster_[0-9]+\" {\n    label=\"net\\.4 Conv2d\\\\nexamples/fashion_cnn\\.lua:10\""
           "\n    n[0-9]+ \\[label=\"%[0-9]+ param net\\.4\\.weight\\\\n"
           "color=\"#b03030\", style=dashed" "color=\"#1f4e9a\"")
  if(NOT grad MATCHES "${re}")
    message(FATAL_ERROR "--dot=grad has no ${re}:\n${grad}")
  endif()
endforeach()
string(REPLACE "[" "<" flat "${module}") # (a "[" in a CMake list element swallows the rest of the list)
string(REGEX MATCHALL "\n  m[0-9]+ <label=" mods "${flat}")
list(LENGTH mods n)
if(NOT n EQUAL 15)
  message(FATAL_ERROR "--dot=module: ${n} module nodes, expected 15 (net.0 .. net.13 and the loss)")
endif()
if(module MATCHES "param |const " OR NOT module MATCHES "\n  m([0-9]+) \\[label=\"net\\.3 MaxPool2d")
  message(FATAL_ERROR "--dot=module shows a parameter or a constant, or no net.3:\n${module}")
endif()
set(m3 ${CMAKE_MATCH_1})
if(NOT module MATCHES "\n  m([0-9]+) \\[label=\"net\\.4 Conv2d")
  message(FATAL_ERROR "--dot=module: no net.4")
endif()
if(NOT module MATCHES "\n  m${m3} -> m${CMAKE_MATCH_1};")
  message(FATAL_ERROR "--dot=module: no edge from net.3 to net.4:\n${module}")
endif()
message(STATUS "--dot=grad: clusters and colours; --dot=module: ${n} modules")
