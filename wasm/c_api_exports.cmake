# The export lists of the wasm builds, read from the C headers: every SY_API(sy_...) declaration
# is one export. The worker (WASI) and the npm package's router module (Emscripten) export
# core/include/switchyard/c_api/c_api.h; the simulator's module (Emscripten) exports c_sim.h and
# the router calls a simulation needs. The headers are the source of truth; the JS test
# tests/js/exports.test.mjs checks each built .wasm against them.
set(SY_C_API_DIR ${CMAKE_SOURCE_DIR}/core/include/switchyard/c_api)

# sy_c_api_exports(<out-var> [header ...]): the names, in header order
# ("sy_abi_version;sy_alloc;..."); the headers default to c_api.h.
function(sy_c_api_exports out)
  set(headers ${ARGN})
  if(NOT headers)
    set(headers c_api.h)
  endif()
  set(names)
  foreach(h ${headers})
    set(path ${SY_C_API_DIR}/${h})
    # Re-run the configure step when a header changes, so a new function is exported at once.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${path})
    file(READ ${path} header)
    # "SY_API(sy_" skips the macro's own definition, SY_API(name).
    string(REGEX MATCHALL "SY_API\\(sy_[a-z0-9_]+\\)" matches "${header}")
    if(NOT matches)
      message(FATAL_ERROR "no SY_API(sy_...) declarations found in ${path}")
    endif()
    foreach(m ${matches})
      string(REGEX REPLACE "SY_API\\((sy_[a-z0-9_]+)\\)" "\\1" name "${m}")
      list(APPEND names ${name})
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES names)
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
