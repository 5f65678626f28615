# The shared library, the install rules, the CMake package and the pkg-config
# file. Included by the top-level CMakeLists.txt after the `deltackpt` target.
#
#   libdeltackpt.a          the `deltackpt` target (deltackpt::deltackpt_static)
#   libdeltackpt.so.X.Y     `deltackpt_shared` (deltackpt::deltackpt_shared),
#                           made of the same objects, built with hidden
#                           visibility: only DELTACKPT_EXPORT is exported
#   lib/cmake/deltackpt/    find_package(deltackpt CONFIG): deltackpt::deltackpt
#                           (the static library, as in the build tree),
#                           deltackpt::deltackpt_static, deltackpt::deltackpt_shared
#   lib/pkgconfig/deltackpt.pc
# DELTACKPT_BUILD_SHARED and DELTACKPT_INSTALL are declared in CMakeLists.txt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# While the version is 0.x a minor release may break the ABI, so the soname
# carries major.minor (libdeltackpt.so.0.1); from 1.0 on, the major only.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(DELTACKPT_SOVERSION "${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}")
else()
  set(DELTACKPT_SOVERSION "${PROJECT_VERSION_MAJOR}")
endif()

set_target_properties(deltackpt PROPERTIES EXPORT_NAME deltackpt_static)
add_library(deltackpt::deltackpt_static ALIAS deltackpt)

if(DELTACKPT_BUILD_SHARED)
  # The objects of the static library (position-independent, hidden
  # visibility), linked once more.
  add_library(deltackpt_shared SHARED $<TARGET_OBJECTS:deltackpt>)
  add_library(deltackpt::deltackpt_shared ALIAS deltackpt_shared)
  set_target_properties(deltackpt_shared PROPERTIES
    OUTPUT_NAME deltackpt
    EXPORT_NAME deltackpt_shared
    VERSION ${PROJECT_VERSION}
    SOVERSION ${DELTACKPT_SOVERSION})
  target_compile_features(deltackpt_shared PUBLIC cxx_std_20)
  target_include_directories(deltackpt_shared PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # Linking the archive too brings its private dependencies (SQLite, lz4, zstd,
  # libpqxx) onto the link line; every object is already in, so nothing is
  # taken from the archive itself.
  target_link_libraries(deltackpt_shared
    PUBLIC nlohmann_json::nlohmann_json
    PRIVATE deltackpt)
  if(NOT DELTACKPT_SANITIZE AND NOT DELTACKPT_FUZZ)
    # Every symbol resolved at link time: a dependency missing from the link
    # fails here, not in a consumer's program. (Sanitizer and fuzzer builds
    # leave their runtimes' symbols to the program.)
    target_link_options(deltackpt_shared PRIVATE LINKER:--no-undefined)
  endif()
endif()

if(NOT DELTACKPT_INSTALL)
  return()
endif()

set(DELTACKPT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/deltackpt)

# Headers: include/deltackpt/ and the generated config.hpp. The PostgreSQL
# header only when this build has the backend it declares.
set(header_excludes)
if(NOT DELTACKPT_HAVE_POSTGRES)
  set(header_excludes PATTERN postgres.hpp EXCLUDE)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/deltackpt
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT deltackpt_development
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" ${header_excludes})
install(FILES ${PROJECT_BINARY_DIR}/include/deltackpt/config.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/deltackpt
        COMPONENT deltackpt_development)

# Two export sets, so that the static library's dependencies (which a
# consumer of the shared library does not need) are looked for separately.
install(TARGETS deltackpt EXPORT deltackptStaticTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT deltackpt_development)
install(EXPORT deltackptStaticTargets
        NAMESPACE deltackpt::
        FILE deltackpt-static-targets.cmake
        DESTINATION ${DELTACKPT_CMAKE_DIR}
        COMPONENT deltackpt_development)
if(DELTACKPT_BUILD_SHARED)
  install(TARGETS deltackpt_shared EXPORT deltackptSharedTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
                  COMPONENT deltackpt_runtime
                  NAMELINK_COMPONENT deltackpt_development
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT deltackpt_runtime)
  install(EXPORT deltackptSharedTargets
          NAMESPACE deltackpt::
          FILE deltackpt-shared-targets.cmake
          DESTINATION ${DELTACKPT_CMAKE_DIR}
          COMPONENT deltackpt_development)
endif()
if(DELTACKPT_BUILD_CLI)
  install(TARGETS deltackpt-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          COMPONENT deltackpt_runtime)
endif()
# sqlite3 agent.db -cmd '.load /usr/local/lib/libdeltackpt_sqlite'
if(DELTACKPT_BUILD_SQLITE_EXTENSION)
  install(TARGETS deltackpt_sqlite LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT deltackpt_runtime)
endif()

set(DELTACKPT_HAVE_SHARED 0)
if(DELTACKPT_BUILD_SHARED)
  set(DELTACKPT_HAVE_SHARED 1)
endif()
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/deltackptConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/deltackptConfig.cmake
  INSTALL_DESTINATION ${DELTACKPT_CMAKE_DIR})
# 0.x: a minor release may break the API, so only the same minor matches.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/package/deltackptConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/deltackptConfig.cmake
              ${PROJECT_BINARY_DIR}/package/deltackptConfigVersion.cmake
        DESTINATION ${DELTACKPT_CMAKE_DIR}
        COMPONENT deltackpt_development)

# pkg-config: relocatable (paths relative to the .pc file) when the library
# directory is relative to the prefix, as it is unless set otherwise.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(DELTACKPT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(DELTACKPT_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(DELTACKPT_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH pc_up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  set(DELTACKPT_PC_PREFIX "\${pcfiledir}/${pc_up}")
  set(DELTACKPT_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(DELTACKPT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(DELTACKPT_PC_REQUIRES_PRIVATE "sqlite3 liblz4 libzstd")
if(DELTACKPT_HAVE_POSTGRES)
  string(APPEND DELTACKPT_PC_REQUIRES_PRIVATE " libpqxx")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/deltackpt.pc.in
               ${PROJECT_BINARY_DIR}/package/deltackpt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/deltackpt.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT deltackpt_development)
