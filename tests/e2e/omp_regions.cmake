# omp_regions.cmake -DFILE=net.c (--openmp): every parallel region that a model function or a
# kernel opens ("#pragma omp parallel if(...)", not a "parallel for") holds only the thread's
# share and one call of a kernel, whose pointers are restrict parameters.  A loop inside the
# region would run in a function clang outlines, on captured pointers that may alias, and
# clang vectorized such loops poorly or not at all (batch norm's sums and col2im on one
# thread: 2-3x slower than without --openmp).  Batch norm's sums must be called that way
# (emit_loops.c's share_gen, a kernel "_share").
file(READ ${FILE} src)
string(REGEX MATCHALL "#pragma omp parallel if\\(" opened "${src}")
list(LENGTH opened n)
set(call "[ ]*[A-Za-z_][A-Za-z_0-9]*\\([^;\n]*\\); /\\*[^\n]*\\*/\n")
string(REGEX REPLACE
       "#pragma omp parallel if\\([^\n]*\n[ ]*\\{\n[ ]*int r_lo, r_hi;\n[ ]*dlc_thread_share\\([^\n]*\n${call}[ ]*\\}\n"
       "(region)\n" rest "${src}")
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
message(STATUS "${FILE}: ${n} parallel regions, each a share and one kernel's call (${s} reductions' shares)")
