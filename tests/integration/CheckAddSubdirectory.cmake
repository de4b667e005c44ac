# add_subdirectory(cnnc) from an outside project: configures (does not build: that
# would compile the compiler again) a project that adds SOURCE_DIR as a subdirectory
# and calls cnnc_add_network, and checks that the package's target names exist and
# that cnnc's own tests and examples stay out of the parent's build.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/src)
file(WRITE ${WORK_DIR}/src/CMakeLists.txt "
cmake_minimum_required(VERSION 3.25)
project(outer C CXX)
add_subdirectory(${SOURCE_DIR} cnnc)
cnnc_add_network(tiny SOURCE ${SOURCE_DIR}/examples/consumer/tiny.cnn
                 WEIGHTS ${SOURCE_DIR}/examples/consumer/tiny.safetensors)
foreach(target cnnc::cnnc cnnc::runtime tiny cnnc_halide_runtime)
  if(NOT TARGET \${target})
    message(FATAL_ERROR \"add_subdirectory(cnnc): no target \${target}\")
  endif()
endforeach()
foreach(target aot_main quickstart digits_example)
  if(TARGET \${target})
    message(FATAL_ERROR \"add_subdirectory(cnnc) added cnnc's own target \${target}\")
  endif()
endforeach()
")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/src -B ${WORK_DIR}/build -G Ninja
                RESULT_VARIABLE failed OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(failed)
  message(FATAL_ERROR "configuring a project that does add_subdirectory(cnnc) failed:\n${out}\n${err}")
endif()
