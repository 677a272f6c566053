# dlcFunctions.cmake - dlc_add_model(), for projects that compile dlc models into their programs.
# Included by dlcConfig.cmake (find_package(dlc)) and by dlc's own CMakeLists.txt (so it works
# with add_subdirectory and FetchContent too); it needs the targets dlc::dlc (the compiler) and
# dlc::rt (the runtime library).
#
#   dlc_add_model(<target> MODEL <file.lua|file.onnx> [NAME <id>] [DTYPE f32|f64] [INFERENCE]
#                 [TARGET generic|avx2|avx512|neon] [OPENMP] [BATCH <B>] [CHECK_NUMERICS]
#                 [DEFINES <KEY=VALUE> ...])
#
# makes a static library <target> from the C that `dlc <file> -o <stem>.c` writes into
# <build dir>/<target>.dlc/ (<stem> is NAME when given, else <target>); linking it gives the
# header <stem>.h (PUBLIC include directory), the runtime (dlc::rt) and libm.  The C is
# regenerated when the model file or dlc changes (a model can require only dlc's own modules).
# NAME also sets the C prefix (dlc --name; default: the model's spec name); DTYPE, INFERENCE,
# TARGET, BATCH and CHECK_NUMERICS are dlc's --dtype, --inference, --target, --batch and
# --check-numerics; DEFINES are -D KEY=VALUE (read by the model as dlc.arg.KEY).  OPENMP builds
# with --openmp and links OpenMP.  An ONNX model's weights land in <stem>.safetensors there
# (<target>_WEIGHTS is set to that path in the caller's scope), to load with <prefix>_load.
# --target avx512 code runs anywhere, fast where the compiler may use AVX-512 (-march=native
# or -mavx512f on the target or the whole project: dlc_add_model does not choose for you).
function(dlc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 A "INFERENCE;OPENMP;CHECK_NUMERICS" "MODEL;NAME;DTYPE;TARGET;BATCH" "DEFINES")
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "dlc_add_model(${target}): unknown arguments ${A_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT A_MODEL)
    message(FATAL_ERROR "dlc_add_model(${target}): MODEL <file.lua|file.onnx> is required")
  endif()
  get_filename_component(model "${A_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(stem ${target})
  set(args)
  if(A_NAME)
    set(stem ${A_NAME})
    list(APPEND args --name ${A_NAME})
  endif()
  if(A_DTYPE)
    if(NOT A_DTYPE MATCHES "^(f32|f64)$")
      message(FATAL_ERROR "dlc_add_model(${target}): DTYPE is f32 or f64, not ${A_DTYPE}")
    endif()
    list(APPEND args --dtype ${A_DTYPE})
  endif()
  if(A_TARGET)
    if(NOT A_TARGET MATCHES "^(generic|avx2|avx512|neon)$")
      message(FATAL_ERROR "dlc_add_model(${target}): TARGET is generic, avx2, avx512 or neon, not ${A_TARGET}")
    endif()
    list(APPEND args --target ${A_TARGET})
  endif()
  if(A_BATCH)
    list(APPEND args --batch ${A_BATCH})
  endif()
  if(A_INFERENCE)
    list(APPEND args --inference)
  endif()
  if(A_CHECK_NUMERICS)
    list(APPEND args --check-numerics)
  endif()
  if(A_OPENMP)
    list(APPEND args --openmp)
  endif()
  foreach(d IN LISTS A_DEFINES)
    list(APPEND args -D ${d})
  endforeach()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${target}.dlc)
  file(MAKE_DIRECTORY ${dir})
  set(outputs ${dir}/${stem}.c ${dir}/${stem}.h)
  if(model MATCHES "\\.onnx$")
    list(APPEND outputs ${dir}/${stem}.safetensors)
    set(${target}_WEIGHTS ${dir}/${stem}.safetensors PARENT_SCOPE)
  endif()
  add_custom_command(OUTPUT ${outputs}
    COMMAND dlc::dlc ${model} ${args} -o ${dir}/${stem}.c
    DEPENDS ${model} dlc::dlc
    COMMENT "dlc ${A_MODEL} -> ${stem}.c"
    VERBATIM)
  add_library(${target} STATIC ${dir}/${stem}.c ${dir}/${stem}.h)
  target_include_directories(${target} PUBLIC ${dir})
  target_link_libraries(${target} PUBLIC dlc::rt)
  target_compile_features(${target} PRIVATE c_std_11)
  # the generated code never reads errno: without this C compilers keep every sqrt scalar
  target_compile_options(${target} PRIVATE $<$<C_COMPILER_ID:GNU,Clang,AppleClang>:-fno-math-errno>)
  if(A_OPENMP)
    find_package(OpenMP REQUIRED COMPONENTS C)
    target_link_libraries(${target} PUBLIC OpenMP::OpenMP_C)
  endif()
endfunction()
