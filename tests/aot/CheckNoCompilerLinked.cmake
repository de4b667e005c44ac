# Fails when BINARY needs Halide's compiler library or LLVM at run time: a program
# built from `cnnc compile` output links only cnnc_runtime and the Halide runtime.
find_program(READELF readelf REQUIRED)
execute_process(COMMAND ${READELF} -d ${BINARY} OUTPUT_VARIABLE dynamic RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "readelf -d ${BINARY} failed")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*" needed "${dynamic}")
message(STATUS "${BINARY} needs: ${needed}")
foreach(entry ${needed})
  if(entry MATCHES "[Hh]alide|LLVM|libclang")
    message(FATAL_ERROR "${BINARY} links a compiler library: ${entry}")
  endif()
endforeach()
# The Halide runtime is in the binary, once (two copies would not have linked).
file(STRINGS ${BINARY} marker LIMIT_COUNT 1 REGEX "halide_")
if(NOT marker)
  message(FATAL_ERROR "${BINARY} does not contain the Halide runtime")
endif()
