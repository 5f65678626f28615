# deltackpt_embed_migrations(DIALECT OUTPUT): compiles migrations/DIALECT/
# NNNN_name.up.sql into OUTPUT, a .cpp defining
# deltackpt::detail::DIALECT_migrations(), so nothing is read at run time.
function(deltackpt_embed_migrations dialect output)
  file(GLOB ups CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/migrations/${dialect}/*.up.sql")
  list(SORT ups)
  set(body "")
  set(expected 1)
  foreach(up IN LISTS ups)
    get_filename_component(file "${up}" NAME)
    if(NOT file MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.up\\.sql$")
      message(FATAL_ERROR "migration file name ${file} is not NNNN_name.up.sql")
    endif()
    set(name "${CMAKE_MATCH_2}")
    math(EXPR version "${CMAKE_MATCH_1}")  # so that 0008 is not read as octal
    if(NOT version EQUAL expected)
      message(FATAL_ERROR "migrations/${dialect}: expected version ${expected}, found ${file}")
    endif()
    math(EXPR expected "${expected} + 1")
    file(READ "${up}" sql)
    string(FIND "${sql}" ")deltackpt_sql\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${file} contains the embedding delimiter")
    endif()
    string(APPEND body "      {${version}, \"${name}\", R\"deltackpt_sql(${sql})deltackpt_sql\"},\n")
  endforeach()
  set(content "// Generated from migrations/${dialect}/ by cmake/EmbedMigrations.cmake. Do not edit.
#include \"migrate/migration.hpp\"

namespace deltackpt::detail {

const std::vector<EmbeddedMigration>& ${dialect}_migrations() {
  static const std::vector<EmbeddedMigration> all = {
${body}  };
  return all;
}

}  // namespace deltackpt::detail
")
  # Rewrite only on change, so an unchanged file does not trigger a rebuild.
  if(EXISTS "${output}")
    file(READ "${output}" old)
  endif()
  if(NOT "${old}" STREQUAL "${content}")
    file(WRITE "${output}" "${content}")
  endif()
endfunction()
