# package.cmake -DBUILD=<dlc build> -DSRC=<dlc source> -DWORK=<dir> -DCC=<compiler> [-DSAN=<flags>]
#   -DCMAKE_INSTALL_BINDIR=... -DCMAKE_INSTALL_LIBDIR=... -DCMAKE_INSTALL_INCLUDEDIR=... (the build's)
# dlc in other people's builds (issue 14), from an installed tree:
#  1. cmake --install BUILD --prefix WORK/prefix puts dlc, the runtime and its headers, the CMake
#     package and dlc-rt.pc where GNUInstallDirs says;
#  2. a separate project (consumer/) finds it with find_package(dlc), turns a copy of
#     examples/xor.lua into a library with dlc_add_model() and links examples/xor_main.c to it;
#     the program trains XOR and must get the table right;
#  3. editing the model file (its learning rate) and building again regenerates the net;
#  4. the Makefile way: the installed dlc and `pkg-config --cflags --libs dlc-rt` build the
#     same program by hand, which must work too;
#  5. README's CMake block and pkg-config commands are these, as printed;
#  6. examples/app, built against the install, classifies Fashion-MNIST's test images with a
#     checkpoint the installed `dlc train` wrote (1 epoch): accuracy above 0.75;
#  7. a project that takes dlc's source in with add_subdirectory (subproject/) gets
#     dlc_add_model() and builds the XOR program, without building dlc's tests;
#  8. with MPI: dlc_mpi.so installed, and the installed dlc, moved elsewhere, trains on 2 ranks.
foreach(v BUILD SRC WORK CC CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "give -D${v}=...")
  endif()
endforeach()
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(run_out "${out}${err}" PARENT_SCOPE)
endfunction()
file(REMOVE_RECURSE ${WORK})
set(P ${WORK}/prefix)
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${P})
foreach(f ${CMAKE_INSTALL_BINDIR}/dlc ${CMAKE_INSTALL_LIBDIR}/libdlc_rt.a ${CMAKE_INSTALL_INCLUDEDIR}/dlc/dlc_rt.h
          ${CMAKE_INSTALL_INCLUDEDIR}/dlc/dlc_kernel.h ${CMAKE_INSTALL_LIBDIR}/cmake/dlc/dlcConfig.cmake
          ${CMAKE_INSTALL_LIBDIR}/cmake/dlc/dlcConfigVersion.cmake ${CMAKE_INSTALL_LIBDIR}/pkgconfig/dlc-rt.pc)
  if(NOT EXISTS ${P}/${f})
    message(FATAL_ERROR "cmake --install did not install ${f}")
  endif()
endforeach()

# 2. find_package(dlc) + dlc_add_model
file(COPY ${SRC}/examples/xor.lua DESTINATION ${WORK}/model)
set(flags)
if(SAN)
  set(flags "-DCMAKE_C_FLAGS=${SAN}" "-DCMAKE_EXE_LINKER_FLAGS=${SAN}")
endif()
run("configuring the consumer" ${CMAKE_COMMAND} -S ${SRC}/tests/package/consumer -B ${WORK}/consumer
    -DCMAKE_PREFIX_PATH=${P} -DCMAKE_C_COMPILER=${CC} -DXOR_MODEL=${WORK}/model/xor.lua
    -DXOR_MAIN=${SRC}/examples/xor_main.c ${flags})
run("building the consumer" ${CMAKE_COMMAND} --build ${WORK}/consumer)
if(NOT run_out MATCHES "dlc [^\n]*xor.lua -> xor.c")
  message(FATAL_ERROR "the consumer's build did not run dlc:\n${run_out}")
endif()
run("the consumer's program" ${WORK}/consumer/xor_app 1000)
message(STATUS "find_package(dlc) + dlc_add_model: ${run_out}")
file(READ ${WORK}/consumer/xornet.dlc/xor.c c)
if(NOT c MATCHES "XOR_LR 0\\.5f")
  message(FATAL_ERROR "the generated net has not the model's learning rate")
endif()

# 3. an edit of the model rebuilds the net
file(READ ${WORK}/model/xor.lua m)
string(REPLACE "lr = 0.5," "lr = 0.25," m "${m}")
file(WRITE ${WORK}/model/xor.lua "${m}")
run("rebuilding the consumer" ${CMAKE_COMMAND} --build ${WORK}/consumer)
file(READ ${WORK}/consumer/xornet.dlc/xor.c c)
if(NOT c MATCHES "XOR_LR 0\\.25f" OR NOT run_out MATCHES "xor.lua -> xor.c")
  message(FATAL_ERROR "editing the model did not regenerate the net:\n${run_out}")
endif()
run("the rebuilt program" ${WORK}/consumer/xor_app 2000)

# 4. pkg-config, by hand
set(ENV{PKG_CONFIG_PATH} ${P}/${CMAKE_INSTALL_LIBDIR}/pkgconfig)
run("pkg-config" pkg-config --cflags --libs dlc-rt)
string(STRIP "${run_out}" pc)
separate_arguments(pc UNIX_COMMAND "${pc}")
if(NOT pc MATCHES "(^|;)-I[^;]*/${CMAKE_INSTALL_INCLUDEDIR}/dlc(;|$)")
  message(FATAL_ERROR "pkg-config --cflags dlc-rt gives no include directory: ${pc}")
endif()
file(MAKE_DIRECTORY ${WORK}/by_hand)
run("the installed dlc" ${P}/${CMAKE_INSTALL_BINDIR}/dlc ${WORK}/model/xor.lua -o ${WORK}/by_hand/xor.c)
separate_arguments(san UNIX_COMMAND "${SAN}")
run("cc with pkg-config's flags" ${CC} -O2 -std=c11 -fno-math-errno ${san} ${WORK}/by_hand/xor.c ${SRC}/examples/xor_main.c
    -I${WORK}/by_hand ${pc} -o ${WORK}/by_hand/xor_app)
run("the program built by hand" ${WORK}/by_hand/xor_app 2000)
message(STATUS "pkg-config: ${pc}")

# 5. README's "Use it in your app" as printed: the consumer project's text is the README's CMake
#    block, and the README's pkg-config commands, run by sh in a directory laid out like the
#    source tree (examples/xor.lua, examples/xor_main.c) with the installed dlc first on PATH,
#    build a program that learns XOR (not under the sanitizers: the README's cc line has no
#    -fsanitize for the instrumented runtime)
file(READ ${SRC}/README.md readme)
file(READ ${SRC}/tests/package/consumer/CMakeLists.txt consumer)
string(REGEX REPLACE "^.*\n(cmake_minimum_required)" "\\1" consumer "${consumer}")
string(FIND "${readme}" "```cmake\n${consumer}```" at)
if(at LESS 0)
  message(FATAL_ERROR "README's CMake block is not tests/package/consumer/CMakeLists.txt:\n${consumer}")
endif()
if(NOT readme MATCHES "\\*\\*pkg-config\\*\\*[^\n]*\n\n((    [^\n]+\n)+)")
  message(FATAL_ERROR "README has no pkg-config commands")
endif()
string(REGEX REPLACE "(^|\n)    " "\\1" cmds "${CMAKE_MATCH_1}")
if(NOT SAN)
  file(COPY ${SRC}/examples/xor.lua ${SRC}/examples/xor_main.c DESTINATION ${WORK}/readme/examples)
  set(ENV{PATH} "${P}/${CMAKE_INSTALL_BINDIR}:$ENV{PATH}")
  execute_process(COMMAND sh -ec "${cmds}" WORKING_DIRECTORY ${WORK}/readme RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "README's pkg-config commands failed (${rc}):\n${cmds}\n${out}\n${err}")
  endif()
  run("README's program" ${WORK}/readme/xor_app 2000)
  message(STATUS "README's commands:\n${cmds}")
endif()

# 6. examples/app: find_package + dlc_add_model(... BATCH 1 INFERENCE), a checkpoint of the
#    batch-64 training model, Fashion-MNIST's test images one at a time
set(FM /usr/share/datasets/fashion-mnist)
if(NOT EXISTS ${FM}/t10k-images-idx3-ubyte.gz)
  message(FATAL_ERROR "no Fashion-MNIST in ${FM}: tools/deps.sh installs dataset-fashion-mnist")
endif()
set(ENV{DLC_CACHE_DIR} ${WORK}/cache)
run("the installed dlc train" ${P}/${CMAKE_INSTALL_BINDIR}/dlc train ${SRC}/examples/fashion_mlp.lua --epochs 1
    --save ${WORK}/fm.safetensors)
run("configuring examples/app" ${CMAKE_COMMAND} -S ${SRC}/examples/app -B ${WORK}/app -DCMAKE_PREFIX_PATH=${P}
    -DCMAKE_C_COMPILER=${CC} ${flags})
run("building examples/app" ${CMAKE_COMMAND} --build ${WORK}/app)
run("examples/app" ${WORK}/app/classify ${WORK}/fm.safetensors ${FM}/t10k-images-idx3-ubyte.gz ${FM}/t10k-labels-idx1-ubyte.gz)
message(STATUS "examples/app:\n${run_out}")
if(NOT run_out MATCHES "image 0: class [0-9]")
  message(FATAL_ERROR "examples/app printed no classes:\n${run_out}")
endif()
if(NOT run_out MATCHES "accuracy (0\\.[0-9]+) over 10000 images")
  message(FATAL_ERROR "examples/app printed no accuracy:\n${run_out}")
endif()
if(CMAKE_MATCH_1 LESS 0.75)
  message(FATAL_ERROR "examples/app: accuracy ${CMAKE_MATCH_1} after an epoch, expected above 0.75")
endif()

# 7. add_subdirectory (FetchContent does the same): dlc built from source inside another project
run("configuring the subproject" ${CMAKE_COMMAND} -S ${SRC}/tests/package/subproject -B ${WORK}/sub
    -DDLC_SOURCE=${SRC} -DCMAKE_C_COMPILER=${CC} -DXOR_MODEL=${WORK}/model/xor.lua -DXOR_MAIN=${SRC}/examples/xor_main.c)
run("building the subproject" ${CMAKE_COMMAND} --build ${WORK}/sub -j 2)
run("the subproject's program" ${WORK}/sub/xor_app 2000)
if(EXISTS ${WORK}/sub/dlc/tests OR EXISTS ${WORK}/sub/dlc/generated)
  message(FATAL_ERROR "a subproject build built dlc's tests")
endif()
message(STATUS "add_subdirectory: the program learns XOR; dlc's tests not built")

# 8. the MPI plugin (when the build has it: -DMPIEXEC=<mpirun>): installed in <libdir>/dlc, where
#    the installed dlc finds it (from bin/, relatively: the prefix may move); 2 ranks train
if(MPIEXEC)
  if(NOT EXISTS ${P}/${CMAKE_INSTALL_LIBDIR}/dlc/dlc_mpi.so)
    message(FATAL_ERROR "cmake --install did not install ${CMAKE_INSTALL_LIBDIR}/dlc/dlc_mpi.so")
  endif()
  file(RENAME ${P} ${WORK}/moved)
  set(D ${SRC}/tests/train/data)
  set(ENV{ASAN_OPTIONS} detect_leaks=0) # Open MPI's allocations live until exit
  run("the installed dlc train --mpi" ${MPIEXEC} -np 2 --allow-run-as-root --oversubscribe
      ${WORK}/moved/${CMAKE_INSTALL_BINDIR}/dlc train ${SRC}/tests/train/bands.lua --mpi --epochs 1 --batch 8
      --idx ${D}/bands-train-images-idx3-ubyte ${D}/bands-train-labels-idx1-ubyte)
  if(NOT run_out MATCHES "mpi: 2 ranks, each a batch of 8")
    message(FATAL_ERROR "the installed dlc train --mpi did not train on 2 ranks:\n${run_out}")
  endif()
  message(STATUS "the installed (and moved) dlc train --mpi: 2 ranks trained")
endif()
