# cnnc_add_network: compile a .cnn network at build time into a static library target.
#
#   find_package(cnnc REQUIRED)   # or add_subdirectory(cnnc), or, in cnnc's own tree,
#                                 # include(<cnnc source dir>/cmake/CnncAddNetwork.cmake)
#   cnnc_add_network(<name> SOURCE <net.cnn>
#                    [SCHEDULE fused|unfused|auto]  # default fused
#                    [WEIGHTS <w.safetensors>]      # embed the weights in the library
#                    [HALIDE_TARGET <target>]       # default ${CNNC_HALIDE_TARGET} (host)
#                    [FUNCTION_NAME <function>])    # default <name>
#   target_link_libraries(app PRIVATE <name>)
#
# creates the target <name>: linking it links <function>.a, cnnc's runtime and the
# Halide runtime, and puts <function>.hpp (class cnnc::nets::<function>), the C header
# <function>_cnnc.h and Halide's <function>.h on the include path. The library is
# rebuilt when the .cnn file, the weights file or the cnnc tool changes, and never
# otherwise.
#
# WEIGHTS compiles the weights into the library (`cnnc compile --weights`):
# <function>::create() binds them, and the program reads no file. Without it, weights
# are bound at run time (<function>::fromFile).
#
# The function name defaults to the target name, not the `network` line of the file:
# target names are unique in a project, so several networks, or one network under
# several schedules, always link into one program without clashing symbols. It must
# be a C identifier.
#
# The Halide runtime: every network is compiled without it (`cnnc compile
# --no-runtime`), and the first call creates the one target `cnnc_halide_runtime`
# (`cnnc runtime`, built for CNNC_HALIDE_TARGET) that every network links. Two copies
# of the runtime in one program would be duplicate symbols; one per program is the
# rule. Networks compiled for another HALIDE_TARGET must share its architecture and
# OS to link into a program; for another architecture the target still builds (a
# cross-compiled library to ship), it just cannot link into a host program.
#
# This works in the cnnc source tree (the `cnnc` and `cnnc_runtime` targets) and with
# an installed cnnc (find_package(cnnc): `cnnc::cnnc` and `cnnc::runtime`).
include_guard(GLOBAL)

set(CNNC_HALIDE_TARGET "host" CACHE STRING
    "Halide target of cnnc_add_network's libraries and of the shared Halide runtime")

# The cnnc tool and runtime library: in-tree targets, else installed ones.
function(_cnnc_resolve_targets tool_var runtime_var)
  # CNNC_TOOL_EXECUTABLE: an already built cnnc compiles the networks (the `tsan`
  # preset: the sanitized runtime and tests, without sanitizing the whole compiler).
  if(CNNC_TOOL_EXECUTABLE)
    if(NOT TARGET cnnc_external_tool)
      add_executable(cnnc_external_tool IMPORTED GLOBAL)
      set_target_properties(cnnc_external_tool PROPERTIES IMPORTED_LOCATION ${CNNC_TOOL_EXECUTABLE})
    endif()
    set(${tool_var} cnnc_external_tool PARENT_SCOPE)
  elseif(TARGET cnnc)
    set(${tool_var} cnnc PARENT_SCOPE)
  elseif(TARGET cnnc::cnnc)
    set(${tool_var} cnnc::cnnc PARENT_SCOPE)
  else()
    message(FATAL_ERROR "cnnc_add_network: no cnnc tool target (cnnc or cnnc::cnnc)")
  endif()
  if(TARGET cnnc_runtime)
    set(${runtime_var} cnnc_runtime PARENT_SCOPE)
  elseif(TARGET cnnc::runtime)
    set(${runtime_var} cnnc::runtime PARENT_SCOPE)
  else()
    message(FATAL_ERROR "cnnc_add_network: no cnnc runtime target (cnnc_runtime or cnnc::runtime)")
  endif()
endfunction()

# Creates `cnnc_halide_runtime` once per project: halide_runtime.a from `cnnc runtime`.
function(_cnnc_add_halide_runtime tool)
  if(TARGET cnnc_halide_runtime)
    return()
  endif()
  set(dir ${CMAKE_BINARY_DIR}/cnnc_halide_runtime)
  set(archive ${dir}/halide_runtime.a)
  add_custom_command(
    OUTPUT ${archive}
    COMMAND $<TARGET_FILE:${tool}> runtime -o ${dir} --target ${CNNC_HALIDE_TARGET}
    DEPENDS ${tool} $<TARGET_FILE:${tool}>
    COMMENT "cnnc: Halide runtime for ${CNNC_HALIDE_TARGET}"
    VERBATIM)
  add_custom_target(cnnc_halide_runtime.update DEPENDS ${archive})
  add_library(cnnc_halide_runtime STATIC IMPORTED GLOBAL)
  set_target_properties(cnnc_halide_runtime PROPERTIES IMPORTED_LOCATION ${archive})
  add_dependencies(cnnc_halide_runtime cnnc_halide_runtime.update)
  # The runtime's thread pool and its dlopen of GPU drivers; both are part of libc on
  # glibc 2.34 and later, where these variables are empty or harmless.
  find_package(Threads REQUIRED)
  target_link_libraries(cnnc_halide_runtime INTERFACE ${CMAKE_THREAD_LIBS_INIT} ${CMAKE_DL_LIBS})
endfunction()

function(cnnc_add_network name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "SOURCE;SCHEDULE;HALIDE_TARGET;FUNCTION_NAME;WEIGHTS" "")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cnnc_add_network(${name}): unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "cnnc_add_network(${name}): SOURCE <net.cnn> is required")
  endif()
  if(NOT ARG_SCHEDULE)
    set(ARG_SCHEDULE fused)
  endif()
  if(NOT ARG_SCHEDULE MATCHES "^(fused|unfused|auto)$")
    message(FATAL_ERROR "cnnc_add_network(${name}): SCHEDULE must be fused, unfused or auto, "
                        "not '${ARG_SCHEDULE}'")
  endif()
  if(NOT ARG_HALIDE_TARGET)
    set(ARG_HALIDE_TARGET ${CNNC_HALIDE_TARGET})
  endif()
  if(NOT ARG_FUNCTION_NAME)
    set(ARG_FUNCTION_NAME ${name})
  endif()
  if(NOT ARG_FUNCTION_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "cnnc_add_network(${name}): function name '${ARG_FUNCTION_NAME}' is "
                        "not a C identifier; pass FUNCTION_NAME")
  endif()
  get_filename_component(source ${ARG_SOURCE} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})

  _cnnc_resolve_targets(tool runtime)
  _cnnc_add_halide_runtime(${tool})

  set(fn ${ARG_FUNCTION_NAME})
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${name}.cnnc)
  set(outputs ${dir}/${fn}.a ${dir}/${fn}.h ${dir}/${fn}.hpp ${dir}/${fn}_cnnc.h)
  set(weights_args)
  set(weights_deps)
  if(ARG_WEIGHTS)
    get_filename_component(weights ${ARG_WEIGHTS} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    set(weights_args --weights ${weights})
    set(weights_deps ${weights})
  endif()
  # The tool as a file dependency too: an imported cnnc::cnnc has no build rule, and
  # without its path a reinstalled cnnc would not rebuild the networks.
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND $<TARGET_FILE:${tool}> compile ${source} -o ${dir} --schedule ${ARG_SCHEDULE}
            --target ${ARG_HALIDE_TARGET} --function-name ${fn} --no-runtime ${weights_args}
    DEPENDS ${source} ${weights_deps} ${tool} $<TARGET_FILE:${tool}>
    COMMENT "cnnc: compiling ${ARG_SOURCE} as ${fn} (${ARG_SCHEDULE}, ${ARG_HALIDE_TARGET})"
    VERBATIM)
  add_custom_target(${name}.update DEPENDS ${outputs})

  add_library(${name} STATIC IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES IMPORTED_LOCATION ${dir}/${fn}.a)
  # An imported target's include directory must exist when the build is generated.
  file(MAKE_DIRECTORY ${dir})
  target_include_directories(${name} INTERFACE ${dir})
  # Order matters for static archives: the network needs both, the runtime needs the
  # Halide runtime (setThreadCount, its allocation and error hooks).
  target_link_libraries(${name} INTERFACE ${runtime} cnnc_halide_runtime)
  add_dependencies(${name} ${name}.update)
endfunction()
