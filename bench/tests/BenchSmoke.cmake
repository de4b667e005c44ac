# bench.cnnc_smoke: runs `cnnc bench` on a tiny network for a fraction of a second and
# checks the table, the JSON report and the chart, not the timings (CI machines are
# noisy). With BASELINE set (when cnnc_onednn_bench is built), also --baseline BASELINE:
# the library rows, their ratio column and their check against fused.
#   cmake -DCNNC=... -DNET=... -DWORK=... [-DBASELINE=onednn] -P BenchSmoke.cmake
file(MAKE_DIRECTORY ${WORK})
set(args bench ${NET} --schedules fused,unfused --threads 2 --min-time 0.1
         --json ${WORK}/smoke.json --plot ${WORK}/smoke.svg)
if(BASELINE)
  list(APPEND args --baseline ${BASELINE})
endif()
execute_process(COMMAND ${CNNC} ${args} RESULT_VARIABLE status OUTPUT_VARIABLE table
                ERROR_VARIABLE progress)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cnnc bench failed (${status}):\n${progress}")
endif()

function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: no match for '${regex}' in:\n${text}")
  endif()
endfunction()
# One row per schedule: name, compile s, runs, median, min, GFLOP/s, % peak, speed-up,
# peak memory.
set(number "[0-9]+\\.[0-9]+")
expect_match("${table}" "\nfused +${number} +[0-9]+ +${number} +${number} +${number} +${number} +${number}x +[0-9.]+ [KMG]?i?B" "table row fused")
expect_match("${table}" "\nunfused +${number} +[0-9]+ +${number} +${number} +${number} +${number} +1\\.00x" "table row unfused")
expect_match("${progress}" "measuring FP32 FMA peak\\.\\.\\. [0-9]+ GFLOP/s" "progress")
expect_match("${progress}" "compiling bench_smoke \\(fused\\)\\.\\.\\." "progress")

file(READ ${WORK}/smoke.json json)
string(JSON format GET "${json}" format)
string(JSON threads GET "${json}" settings threads)
string(JSON flops GET "${json}" network flops)
string(JSON peak GET "${json}" machine fp32_fma_peak gflops)
string(JSON count LENGTH "${json}" schedules)
if(NOT format STREQUAL "cnnc-bench/1" OR NOT threads EQUAL 2 OR NOT flops GREATER 0
   OR NOT peak GREATER 0 OR NOT count EQUAL 2)
  message(FATAL_ERROR "JSON report: format ${format}, threads ${threads}, flops ${flops}, "
                      "peak ${peak}, ${count} schedules:\n${json}")
endif()
foreach(i 0 1)
  string(JSON name GET "${json}" schedules ${i} name)
  string(JSON runs GET "${json}" schedules ${i} runs)
  string(JSON median GET "${json}" schedules ${i} median_ms)
  string(JSON minimum GET "${json}" schedules ${i} min_ms)
  string(JSON runList LENGTH "${json}" schedules ${i} run_ms)
  string(JSON bytes GET "${json}" schedules ${i} peak_intermediate_bytes)
  string(JSON speedup GET "${json}" schedules ${i} speedup_vs_unfused)
  if(runs LESS 10 OR NOT runList EQUAL runs OR NOT median GREATER 0 OR minimum GREATER median
     OR bytes LESS 0 OR NOT speedup GREATER 0)
    message(FATAL_ERROR "JSON schedule ${i} (${name}): runs ${runs}/${runList}, median "
                        "${median}, min ${minimum}, bytes ${bytes}, speed-up ${speedup}")
  endif()
endforeach()

file(READ ${WORK}/smoke.svg svg)
expect_match("${svg}" "^<svg xmlns=\"http://www.w3.org/2000/svg\"" "chart")
string(REGEX MATCHALL "<rect class=\"bar\"" bars "${svg}")
list(LENGTH bars barCount)

if(BASELINE)
  expect_match("${table}" "\nonednn +- +[0-9]+ +${number} +${number} +${number} +${number} +${number}x +- +${number}  outputs agree with fused" "table row onednn")
  expect_match("${table}" "fused x: this median / fused's median" "legend")
  string(JSON library GET "${json}" libraries 0 name)
  string(JSON version GET "${json}" libraries 0 version)
  string(JSON ratio GET "${json}" libraries 0 fused_speedup)
  string(JSON check GET "${json}" libraries 0 check)
  if(NOT library STREQUAL "onednn" OR NOT version MATCHES "^oneDNN [0-9]" OR NOT ratio GREATER 0
     OR NOT check STREQUAL "outputs agree with fused")
    message(FATAL_ERROR "JSON library: ${library}, ${version}, ratio ${ratio}, check ${check}")
  endif()
  if(NOT barCount EQUAL 3)
    message(FATAL_ERROR "chart: ${barCount} bars, expected fused, unfused and onednn")
  endif()
elseif(NOT barCount EQUAL 2)
  message(FATAL_ERROR "chart: ${barCount} bars, expected fused and unfused")
endif()
message(STATUS "cnnc bench smoke run:\n${table}")
