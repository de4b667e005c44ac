# `cmake --install`: the cnnc tool, the runtime library and its headers (with the
# Halide runtime header they need), cnnc_add_network and a CMake package, so that an
# outside project writes
#
#   find_package(cnnc REQUIRED)
#   cnnc_add_network(net SOURCE net.cnn)
#   target_link_libraries(app PRIVATE net)
#
# Exported targets: cnnc::cnnc (the tool) and cnnc::runtime (the library).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CNNC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/cnnc CACHE STRING
    "Where cnncConfig.cmake is installed, relative to the prefix")

set_target_properties(cnnc PROPERTIES EXPORT_NAME cnnc)
add_executable(cnnc::cnnc ALIAS cnnc)

install(TARGETS cnnc EXPORT cnncTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS cnnc_runtime EXPORT cnncTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/cnnc
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${CNNC_HALIDE_RUNTIME_INCLUDE_DIR}/HalideRuntime.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cnnc/halide)

install(EXPORT cnncTargets NAMESPACE cnnc:: DESTINATION ${CNNC_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/cnncConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cnncConfig.cmake INSTALL_DESTINATION ${CNNC_INSTALL_CMAKEDIR})
# A 0.x release promises nothing across minor versions.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cnncConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cnncConfig.cmake ${PROJECT_BINARY_DIR}/cnncConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/CnncAddNetwork.cmake
        DESTINATION ${CNNC_INSTALL_CMAKEDIR})
