# omp_regions.cmake -DFILE=net.c (--openmp): every parallel region that a model function or a
# kernel opens ("#pragma omp parallel if(...)", not a "parallel for") holds only the thread's
# share and one call of a kernel, whose pointers are restrict parameters.  A loop inside the
# region would run in a function clang outlines, on captured pointers that may alias, and
# clang vectorized such loops poorly or not at all (batch norm's sums and col2im on one
# thread: 2-3x slower than without --openmp).  Batch norm's sums must be called that way
# (emit_loops.c's share_gen, a kernel "_share").  A team (emit_matmul.c's dot_window_blocks,
# "/* a team: ..." up to "} /* the team's end */") may loop, but each of its lines is a loop's
# or a test's head, a brace, a pragma, the thread's share or a kernel's call: no arithmetic
# of its own on captured pointers.
file(READ ${FILE} src)
string(REGEX MATCHALL "#pragma omp parallel if\\(" opened "${src}")
list(LENGTH opened n)
# the teams: each line checked, then the team taken out
set(teams 0)
foreach(i RANGE 1000)
  string(FIND "${src}" "/* a team: " at)
  if(at EQUAL -1)
    break()
  endif()
  string(SUBSTRING "${src}" ${at} -1 tail)
  string(FIND "${tail}" "} /* the team's end */" end)
  if(end EQUAL -1)
    message(FATAL_ERROR "${FILE}: a team without its end")
  endif()
  string(SUBSTRING "${tail}" 0 ${end} body)
  string(REPLACE ";" "<semicolon>" body "${body}") # (a list's separator)
  string(REPLACE "[" "<open>" body "${body}") # (a list's brackets: its elements as one)
  string(REPLACE "]" "<close>" body "${body}")
  string(REPLACE "\n" ";" lines "${body}")
  list(REMOVE_AT lines 0) # the pragma's comment
  foreach(line IN LISTS lines)
    string(REPLACE "<semicolon>" ";" line "${line}")
    string(REPLACE "<open>" "[" line "${line}")
    string(REPLACE "<close>" "]" line "${line}")
    if(NOT line MATCHES "^[ ]*$"
       AND NOT line MATCHES "^[ ]*[{}][ ]*$"
       AND NOT line MATCHES "^[ ]*for \\(int i[0-9] = [^;]*; i[0-9] < [^;]*; i[0-9] \\+= [0-9]+\\) {( /\\*.*\\*/)?$"
       AND NOT line MATCHES "^[ ]*(} else )?(if \\([a-z0-9_ <]*\\) )?{( /\\*.*\\*/)?$"
       AND NOT line MATCHES "^[ ]*#pragma omp (barrier|for schedule\\(static\\) nowait|single)( /\\*.*\\*/)?$"
       AND NOT line MATCHES "^[ ]*int r_lo, r_hi;$"
       AND NOT line MATCHES "^[ ]*dlc_thread_share\\([0-9]+, &r_lo, &r_hi\\);$"
       AND NOT line MATCHES "^[ ]*[A-Za-z_][A-Za-z_0-9]*\\([^;]*\\);( /\\*.*\\*/)?$")
      message(FATAL_ERROR "${FILE}: a team's line that is not a loop, a test, a pragma, a share or a kernel's call:\n${line}")
    endif()
  endforeach()
  math(EXPR teams "${teams} + 1")
  math(EXPR cut "${at} + ${end}")
  string(SUBSTRING "${src}" 0 ${at} head)
  string(SUBSTRING "${src}" ${cut} -1 rest_)
  set(src "${head}(team)${rest_}")
endforeach()
set(call "[ ]*[A-Za-z_][A-Za-z_0-9]*\\([^;\n]*\\); /\\*[^\n]*\\*/\n")
string(REGEX REPLACE
       "#pragma omp parallel if\\([^\n]*\n[ ]*\\{\n[ ]*int r_lo, r_hi;\n[ ]*dlc_thread_share\\([^\n]*\n${call}[ ]*\\}\n"
       "(region)\n" rest "${src}")
string(REGEX REPLACE "#pragma omp parallel if\\([^\n]*\\(team\\)" "(team)" rest "${rest}")
string(REGEX MATCHALL "#pragma omp parallel if\\(" other "${rest}")
list(LENGTH other bad)
if(n EQUAL 0 OR bad GREATER 0)
  string(REGEX MATCH "#pragma omp parallel if\\([^\n]*\n[^\n]*\n[^\n]*\n[^\n]*\n[^\n]*\n" first "${rest}")
  message(FATAL_ERROR "${FILE}: ${n} parallel regions, ${bad} of them not only a share and one kernel's call:\n${first}")
endif()
string(REGEX MATCHALL "_share\\([^\n]*r_lo, r_hi\\); /\\* this thread's share" shares "${src}")
list(LENGTH shares s)
if(s EQUAL 0)
  message(FATAL_ERROR "${FILE}: no reduction over each thread's share called as a kernel")
endif()
message(STATUS "${FILE}: ${n} parallel regions, each a share and one kernel's call, or a team of kernel calls (${teams}) (${s} reductions' shares)")
