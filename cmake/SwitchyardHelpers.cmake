# Small declarative helpers in the spirit of abseil's absl_cc_* functions.

# sy_wasm_node_test(NAME target): under Emscripten a test executable is a single .js file
# (wasm inlined, real filesystem through NODERAWFS) that ctest runs with node.
function(sy_link_node_executable target)
  if(EMSCRIPTEN)
    target_link_options(${target} PRIVATE
      -sSINGLE_FILE=1          # one .js file, nothing to fetch (Node 18+ fetch() cannot read paths)
      -sNODERAWFS=1            # tests read fixtures from the real filesystem
      -sALLOW_MEMORY_GROWTH=1  # the catalog and large fixtures outgrow the default 16 MiB
      -sTOTAL_STACK=1048576    # (3.1.6 name of STACK_SIZE) nlohmann's recursive descent on nested fixtures
      -sEXIT_RUNTIME=1)        # so the process exit code is the test result
    set_target_properties(${target} PROPERTIES SUFFIX ".js")
  endif()
endfunction()

function(sy_add_node_test name target)
  if(EMSCRIPTEN)
    add_test(NAME ${name} COMMAND node $<TARGET_FILE:${target}> ${ARGN}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  else()
    add_test(NAME ${name} COMMAND $<TARGET_FILE:${target}> ${ARGN}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  endif()
endfunction()

# ---- core modules ------------------------------------------------------------------------------
# sy_module(<name> FOLDERS <folder>... [DEPS <module>...] [SOURCES <file>...])
#
# One static library, sy_<name>, per core module. A module owns whole folders: every
# core/src/<folder>/*.cpp is compiled into it (a new file needs no edit here) and its public
# headers are core/include/switchyard/<folder>/. SOURCES adds files from elsewhere (generated).
# DEPS are the modules whose headers this module's files include; they are linked PUBLIC.
#
# It fails at configure time, not silently:
#   - on a dependency that is not a module declared earlier (a typo, or a cycle: a module can
#     only depend on modules declared above it, so the declaration order is a valid layering);
#   - on a folder that another module already owns, or that does not exist;
#   - on a module without sources.
# The module table is also written to ${CMAKE_BINARY_DIR}/sy_modules.cmake, which the layering
# check (cmake/CheckLayering.cmake, the ctest `core_layering`) reads.
function(sy_module name)
  cmake_parse_arguments(M "" "" "FOLDERS;DEPS;SOURCES" ${ARGN})
  if(M_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "sy_module(${name}): unexpected arguments '${M_UNPARSED_ARGUMENTS}'")
  endif()
  if(TARGET sy_${name})
    message(FATAL_ERROR "sy_module(${name}): declared twice")
  endif()
  if(NOT M_FOLDERS)
    message(FATAL_ERROR "sy_module(${name}): no FOLDERS (a module owns at least one folder)")
  endif()
  get_property(known GLOBAL PROPERTY SY_MODULE_NAMES)
  foreach(dep ${M_DEPS})
    if(NOT dep IN_LIST known)
      message(FATAL_ERROR "sy_module(${name}): unknown dependency '${dep}'. A dependency must be "
                          "a module declared before this one; declared so far: ${known}")
    endif()
  endforeach()

  set(src_root ${SY_CORE_DIR}/src)
  set(include_root ${SY_CORE_DIR}/include/switchyard)
  set(files)
  foreach(folder ${M_FOLDERS})
    get_property(owner GLOBAL PROPERTY SY_FOLDER_OWNER_${folder})
    if(owner)
      message(FATAL_ERROR "sy_module(${name}): folder '${folder}' already belongs to module '${owner}'")
    endif()
    if(NOT IS_DIRECTORY ${src_root}/${folder} AND NOT IS_DIRECTORY ${include_root}/${folder})
      message(FATAL_ERROR "sy_module(${name}): neither core/src/${folder}/ nor "
                          "core/include/switchyard/${folder}/ exists")
    endif()
    set_property(GLOBAL PROPERTY SY_FOLDER_OWNER_${folder} ${name})
    file(GLOB found CONFIGURE_DEPENDS ${src_root}/${folder}/*.cpp)
    list(APPEND files ${found})
  endforeach()
  list(APPEND files ${M_SOURCES})
  if(NOT files)
    message(FATAL_ERROR "sy_module(${name}): no sources in core/src/{${M_FOLDERS}}/*.cpp or SOURCES")
  endif()

  add_library(sy_${name} STATIC ${files})
  target_include_directories(sy_${name} PUBLIC ${SY_CORE_DIR}/include PRIVATE ${src_root})
  target_include_directories(sy_${name} SYSTEM PUBLIC ${SY_THIRD_PARTY_INCLUDE})
  foreach(dep ${M_DEPS})
    target_link_libraries(sy_${name} PUBLIC sy_${dep})
  endforeach()

  set_property(GLOBAL APPEND PROPERTY SY_MODULE_NAMES ${name})
  set_property(GLOBAL APPEND PROPERTY SY_MODULES sy_${name})
  # Written space-separated: the table's lines must not contain list separators.
  string(JOIN " " folders ${M_FOLDERS})
  string(JOIN " " deps ${M_DEPS})
  set_property(GLOBAL APPEND PROPERTY SY_MODULE_TABLE
    "set(SY_MODULE_${name}_FOLDERS ${folders})\nset(SY_MODULE_${name}_DEPS ${deps})\n")
endfunction()

# sy_modules_done(): after the last sy_module. Fails if a folder under core/src/ or
# core/include/switchyard/ belongs to no module (its files would build into nothing, or its
# headers escape the layering check), then writes the module table.
function(sy_modules_done)
  file(GLOB entries LIST_DIRECTORIES true ${SY_CORE_DIR}/src/* ${SY_CORE_DIR}/include/switchyard/*)
  foreach(entry ${entries})
    get_filename_component(folder ${entry} NAME)
    if(NOT IS_DIRECTORY ${entry})
      message(FATAL_ERROR "${entry}: a file outside every module folder; move it into the folder "
                          "of the module that owns it")
    endif()
    get_property(owner GLOBAL PROPERTY SY_FOLDER_OWNER_${folder})
    if(NOT owner)
      message(FATAL_ERROR "${entry}: no module owns this folder; declare it with sy_module() in "
                          "core/CMakeLists.txt")
    endif()
  endforeach()
  get_property(names GLOBAL PROPERTY SY_MODULE_NAMES)
  string(JOIN " " names ${names})
  get_property(table GLOBAL PROPERTY SY_MODULE_TABLE)
  string(JOIN "" table ${table})
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/sy_modules.cmake
       CONTENT "# Generated by sy_module() (cmake/SwitchyardHelpers.cmake).\nset(SY_MODULE_NAMES ${names})\n${table}")
endfunction()
