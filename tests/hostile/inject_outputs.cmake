# inject_outputs.cmake -DDLC=dlc -DCC=cc -DMODEL=inject.lua -DRT=runtime/ -DOUT=dir
# inject.lua through a path that holds "*/" (it lands in comments of the generated C): the C
# and the header still compile with -Werror.  Then the textual views of the same model: the
# dumps and --stats print no control character, and every DOT statement is well-formed (quotes
# and backslashes of names escaped).
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY "${OUT}/p*")
configure_file(${MODEL} ${OUT}/inject.lua COPYONLY)
set(path "${OUT}/p*/../inject.lua")
# build(<stem> <regex the C must hold> [dlc flags]): the C of the model through that path, which
# must hold the path where the regex says and compile with -Werror
function(build stem where)
  execute_process(COMMAND ${DLC} ${path} ${ARGN} -o ${OUT}/${stem}.c RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dlc ${ARGN} failed: ${err}")
  endif()
  file(READ ${OUT}/${stem}.c c)
  if(NOT c MATCHES "${where}")
    message(FATAL_ERROR "dlc ${ARGN}: the model's path is not in the C where expected (${where})")
  endif()
  execute_process(COMMAND ${CC} -std=c11 -Wall -Wextra -Werror -c ${OUT}/${stem}.c -I${RT} -o ${OUT}/${stem}.o
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the generated C (dlc ${ARGN}) does not compile:\n${err}")
  endif()
endfunction()
build(inj "p\\* /\\.\\./inject\\.lua") # in comments, escaped
# --check-numerics: the path lands in the C strings of the checks too
build(inj_n "inj_numerics\\(m, [^\n]*p\\*/\\.\\./inject\\.lua:18" --check-numerics)
execute_process(COMMAND ${DLC} ${path} --dump=graph --dump=grad --dump=opt --dump=plan --stats
                RESULT_VARIABLE rc OUTPUT_VARIABLE dump ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dlc --dump failed: ${err}")
endif()
string(ASCII 1 c1)
string(ASCII 8 c8)
string(ASCII 11 c11)
string(ASCII 31 c31)
string(ASCII 127 c127)
string(REGEX MATCH "[${c1}-${c8}${c11}-${c31}${c127}]" ctl "${dump}")
if(ctl)
  message(FATAL_ERROR "a control character reached the dump")
endif()
if(NOT dump MATCHES "param \"w \\*/ abort\\(\\); /\\* \\\\042 \\); abort\\(\\); \\(\\\\042 \\\\077\\\\077/ \\\\134\"")
  message(FATAL_ERROR "the dump does not show the parameter's name C-escaped:\n${dump}")
endif()
set(quoted "\"([^\"\\\\]|\\\\.)*\"")
set(color "(\"#[0-9a-f]+\"|gray)")
foreach(level grad module)
  execute_process(COMMAND ${DLC} ${path} --dot=${level} -o ${OUT}/inj.dot RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dlc --dot=${level} failed: ${err}")
  endif()
  file(READ ${OUT}/inj.dot dot)
  string(REPLACE ";" "@SEMI@" dot "${dot}") # CMake lists split at ';'
  string(REGEX REPLACE "\n$" "" dot "${dot}")
  string(REPLACE "\n" ";" lines "${dot}")
  set(forms "^digraph ${quoted} {$" "^  node \\[.*\\]@SEMI@$" "^  /\\* [a-z:, ()]+ \\*/$" "^  subgraph \"cluster_[0-9]+\" {$"
      "^    label=${quoted}@SEMI@ style=rounded@SEMI@ color=${color}@SEMI@ fontname=\"monospace\"@SEMI@ fontsize=10@SEMI@$"
      "^ +n[0-9]+ \\[label=${quoted}, color=${color}(, style=[a-z]+)?\\]@SEMI@$"
      "^  m[0-9]+ \\[label=${quoted}, style=rounded, color=${color}\\]@SEMI@$" "^  [nm][0-9]+ -> [nm][0-9]+@SEMI@$" "^  }$" "^}$")
  foreach(l ${lines})
    set(ok 0)
    foreach(form IN LISTS forms)
      if(l MATCHES "${form}")
        set(ok 1)
      endif()
    endforeach()
    if(NOT ok)
      message(FATAL_ERROR "not a well-formed DOT statement (--dot=${level}): ${l}")
    endif()
  endforeach()
endforeach()
message(STATUS "inert in C, dumps and DOT")
