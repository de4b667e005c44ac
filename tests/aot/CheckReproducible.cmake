# Compiles SOURCE twice with CNNC into two directories and fails unless every file is
# byte for byte the same: outputs must not depend on the staging directory, the time
# or the run, so rebuilds and caches see no change.
foreach(run one two)
  file(REMOVE_RECURSE ${WORK_DIR}/${run})
  execute_process(COMMAND ${CNNC} compile ${SOURCE} -o ${WORK_DIR}/${run}
                  RESULT_VARIABLE failed ERROR_VARIABLE log)
  if(failed)
    message(FATAL_ERROR "cnnc compile failed:\n${log}")
  endif()
endforeach()
file(GLOB files RELATIVE ${WORK_DIR}/one ${WORK_DIR}/one/*)
list(LENGTH files count)
if(NOT count EQUAL 5)
  message(FATAL_ERROR "expected 5 files (NAME.a, .h, .hpp, _cnnc.h, halide_runtime.a), found: ${files}")
endif()
foreach(file ${files})
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/one/${file}
                          ${WORK_DIR}/two/${file} RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${file} differs between two runs of cnnc compile")
  endif()
endforeach()
