# The export list of both wasm builds, read from core/include/switchyard/c_api.h: every
# SY_API(sy_...) declaration is one export. The header is the single source of truth; the
# JS test tests/js/exports.test.mjs checks each built .wasm against the same header.
set(SY_C_API_HEADER ${CMAKE_SOURCE_DIR}/core/include/switchyard/c_api.h)

# sy_c_api_exports(<out-var>): the names, in header order ("sy_abi_version;sy_alloc;...").
function(sy_c_api_exports out)
  # Re-run the configure step when the header changes, so a new function is exported at once.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SY_C_API_HEADER})
  file(READ ${SY_C_API_HEADER} header)
  # "SY_API(sy_" skips the macro's own definition, SY_API(name).
  string(REGEX MATCHALL "SY_API\\(sy_[a-z0-9_]+\\)" matches "${header}")
  set(names)
  foreach(m ${matches})
    string(REGEX REPLACE "SY_API\\((sy_[a-z0-9_]+)\\)" "\\1" name "${m}")
    list(APPEND names ${name})
  endforeach()
  list(REMOVE_DUPLICATES names)
  if(NOT names)
    message(FATAL_ERROR "no SY_API(sy_...) declarations found in ${SY_C_API_HEADER}")
  endif()
  set(${out} ${names} PARENT_SCOPE)
endfunction()

# sy_link_only_source(<out-var>): an empty C++ file. CMake needs one source per executable;
# the wasm modules' code all comes from the core libraries.
function(sy_link_only_source out)
  set(file ${CMAKE_CURRENT_BINARY_DIR}/link_only.cpp)
  file(GENERATE OUTPUT ${file}
       CONTENT "// Generated: the wasm executable's code comes from the switchyard core libraries.\n")
  set(${out} ${file} PARENT_SCOPE)
endfunction()
