# The C API (include/deltackpt/c.h), compiled into both libdeltackpt.a and
# libdeltackpt.so. Included by the top-level CMakeLists.txt.
target_sources(deltackpt PRIVATE
  ${PROJECT_SOURCE_DIR}/src/c_api/c_api.cpp
  ${PROJECT_SOURCE_DIR}/src/c_api/c_json.cpp)
