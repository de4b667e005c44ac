# bench.cnnc_missing_baseline: a cnnc whose directory holds no cnnc_onednn_bench (as when
# libdnnl-dev was missing at configure time) must refuse --baseline onednn at once, with
# an error that names the program and how to get it, before compiling anything.
#   cmake -DCNNC=... -DNET=... -DWORK=... -P MissingBaseline.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
# A hard link: the program finds its neighbours through /proc/self/exe, which names the
# link (a symbolic link would resolve to the build directory).
file(CREATE_LINK ${CNNC} ${WORK}/cnnc COPY_ON_ERROR)
execute_process(COMMAND ${WORK}/cnnc bench ${NET} --baseline onednn
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0)
  message(FATAL_ERROR "cnnc bench --baseline onednn succeeded without cnnc_onednn_bench:\n${out}")
endif()
set(expected "--baseline onednn: cnnc_onednn_bench not found next to cnnc .*libdnnl-dev")
if(NOT err MATCHES "${expected}")
  message(FATAL_ERROR "expected an error matching '${expected}', got:\n${err}")
endif()
if(err MATCHES "compiling")
  message(FATAL_ERROR "the error came after compiling:\n${err}")
endif()
file(REMOVE_RECURSE ${WORK})
