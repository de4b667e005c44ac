# The out-of-tree consumer (examples/consumer), against an installed cnnc only:
# installs CNNC_BUILD_DIR to a temporary prefix, configures and builds a copy of the
# example there with Ninja, runs its programs, then checks the build's incrementality:
# a second build does nothing; touching the .cnn rebuilds both of its networks,
# touching the weights only the network that embeds them, touching the cnnc tool
# everything it made; and each rebuild is followed by a build that does nothing.
set(prefix ${WORK_DIR}/prefix)
set(src ${WORK_DIR}/src)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE failed OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(failed)
    message(FATAL_ERROR "${what} failed:\n${out}\n${err}")
  endif()
  set(output "${out}${err}" PARENT_SCOPE)
endfunction()

function(expect output pattern what)
  if(NOT output MATCHES "${pattern}")
    message(FATAL_ERROR "${what}: expected '${pattern}' in:\n${output}")
  endif()
endfunction()

function(expect_not output pattern what)
  if(output MATCHES "${pattern}")
    message(FATAL_ERROR "${what}: did not expect '${pattern}' in:\n${output}")
  endif()
endfunction()

# Builds; ${output} receives the log.
function(build what)
  run("${what}" ${CMAKE_COMMAND} --build ${build})
  set(output "${output}" PARENT_SCOPE)
endfunction()

function(expect_no_work what)
  build("${what}")
  expect("${output}" "no work to do" "${what}")
endfunction()

run("install" ${CMAKE_COMMAND} --install ${CNNC_BUILD_DIR} --prefix ${prefix})
file(COPY ${SOURCE_DIR}/ DESTINATION ${src})
# Nothing of cnnc's source or build tree is visible to the consumer: only the prefix.
# CONSUMER_LINKER_FLAGS: the sanitizer builds (asan preset) install an instrumented
# runtime, which a consumer must link with the same runtime libraries.
run("configure" ${CMAKE_COMMAND} -S ${src} -B ${build} -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_PREFIX_PATH=${prefix} "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_LINKER_FLAGS}")
build("first build")
expect("${output}" "compiling tiny.cnn as tiny_fused" "first build")
expect("${output}" "compiling tiny.cnn as tiny_unfused" "first build")

run("consumer" ${build}/consumer)
expect("${output}" "fused \\(embedded weights.*agree" "consumer")
message(STATUS "consumer: ${output}")
run("consumer_c" ${build}/consumer_c)
expect("${output}" "probabilities sum to 1.0000" "consumer_c")
if(NOT EXISTS ${build}/consumer_bench)
  message(FATAL_ERROR "consumer_bench was not built (is libbenchmark-dev installed?)")
endif()
run("consumer_bench" ${build}/consumer_bench --benchmark_min_time=0.01)
expect("${output}" "fused[ ]+[0-9.]+ us" "consumer_bench")
expect("${output}" "unfused[ ]+[0-9.]+ us" "consumer_bench")

expect_no_work("second build")

file(TOUCH ${src}/tiny.cnn)
build("build after touching tiny.cnn")
expect("${output}" "as tiny_fused" "touching tiny.cnn")
expect("${output}" "as tiny_unfused" "touching tiny.cnn")
expect_no_work("build after the .cnn rebuild")

file(TOUCH ${src}/tiny.safetensors)
build("build after touching tiny.safetensors")
expect("${output}" "as tiny_fused" "touching the weights")
expect_not("${output}" "as tiny_unfused" "touching the weights (tiny_unfused embeds none)")
expect_no_work("build after the weights rebuild")

file(TOUCH ${prefix}/bin/cnnc)
build("build after touching the cnnc tool")
expect("${output}" "as tiny_fused" "touching cnnc")
expect("${output}" "as tiny_unfused" "touching cnnc")
expect("${output}" "Halide runtime" "touching cnnc")
expect_no_work("build after the tool rebuild")
