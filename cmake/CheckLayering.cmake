# The layering check (ctest `core_layering`): a module's files may include only headers of the
# module itself and of the modules it declares in DEPS; a test in tests/core/<folder>/ only
# headers of its module and of everything that module links (its DEPS, transitively).
#
#   cmake -DSY_MODULES_FILE=<build>/sy_modules.cmake -DSY_SOURCE_DIR=<repo> -P CheckLayering.cmake
#
# The module table comes from sy_module() (cmake/SwitchyardHelpers.cmake), so core/CMakeLists.txt
# stays the one place where modules and their dependencies are declared. An include names its
# module by its first folder: "switchyard/<folder>/x.h" (public) or "<folder>/x.h" (a private
# header under core/src/, or test support under tests/core/). "switchyard/x.h" without a folder
# is refused: every header belongs to a module. Includes without a folder ("x.h") are the
# including file's own folder, so its own module. Exits non-zero on any violation, listing each.
cmake_minimum_required(VERSION 3.25)
foreach(var SY_MODULES_FILE SY_SOURCE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckLayering.cmake: -D${var}=... is required")
  endif()
endforeach()
include(${SY_MODULES_FILE})

foreach(m ${SY_MODULE_NAMES})
  foreach(folder ${SY_MODULE_${m}_FOLDERS})
    set(owner_${folder} ${m})
  endforeach()
endforeach()

# closure_<m>: the modules m links, transitively (declaration order guarantees deps come first).
foreach(m ${SY_MODULE_NAMES})
  set(closure_${m} ${SY_MODULE_${m}_DEPS})
  foreach(d ${SY_MODULE_${m}_DEPS})
    list(APPEND closure_${m} ${closure_${d}})
  endforeach()
  list(REMOVE_DUPLICATES closure_${m})
endforeach()

# check_file(<file> <module> <allowed modules...>): every module-qualified include of <file> must
# name one of the allowed modules. Counts violations and records the modules used (for the notes).
function(check_file path module)
  set(allowed ${module} ${ARGN})
  file(RELATIVE_PATH rel ${SY_SOURCE_DIR} ${path})
  file(STRINGS ${path} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<][A-Za-z0-9_]+/")
  set(bad 0)
  set(used)
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">]")
      continue()
    endif()
    set(header ${CMAKE_MATCH_1})
    if(header MATCHES "^switchyard/([A-Za-z0-9_]+)/")
      set(folder ${CMAKE_MATCH_1})
      if(NOT DEFINED owner_${folder})
        message("layering: ${rel}: #include \"${header}\": no module owns '${folder}'")
        math(EXPR bad "${bad} + 1")
        continue()
      endif()
    elseif(header MATCHES "^switchyard/")
      message("layering: ${rel}: #include \"${header}\" names no module folder")
      math(EXPR bad "${bad} + 1")
      continue()
    elseif(header MATCHES "^([A-Za-z0-9_]+)/" AND DEFINED owner_${CMAKE_MATCH_1})
      set(folder ${CMAKE_MATCH_1})  # a private header (core/src/<folder>/) or test support
    else()
      continue()  # another library's header (<catch2/...>, <nlohmann/...>)
    endif()
    set(target ${owner_${folder}})
    list(APPEND used ${target})
    if(NOT target IN_LIST allowed)
      message("layering: ${rel} (${module}) includes \"${header}\" of module ${target}, which is "
              "not among its dependencies (${allowed})")
      math(EXPR bad "${bad} + 1")
    endif()
  endforeach()
  math(EXPR total "${violations} + ${bad}")
  set(violations ${total} PARENT_SCOPE)
  set_property(GLOBAL APPEND PROPERTY used_${module} ${used})
endfunction()

set(violations 0)
set(checked 0)

foreach(m ${SY_MODULE_NAMES})
  foreach(folder ${SY_MODULE_${m}_FOLDERS})
    file(GLOB_RECURSE files
         ${SY_SOURCE_DIR}/core/src/${folder}/*.h ${SY_SOURCE_DIR}/core/src/${folder}/*.cpp
         ${SY_SOURCE_DIR}/core/include/switchyard/${folder}/*.h)
    foreach(f ${files})
      check_file(${f} ${m} ${SY_MODULE_${m}_DEPS})
      math(EXPR checked "${checked} + 1")
    endforeach()
    file(GLOB_RECURSE tests ${SY_SOURCE_DIR}/tests/core/${folder}/*.h
         ${SY_SOURCE_DIR}/tests/core/${folder}/*.cpp)
    foreach(f ${tests})
      check_file(${f} "tests of ${m}" ${m} ${closure_${m}})
      math(EXPR checked "${checked} + 1")
    endforeach()
  endforeach()
endforeach()

# Declared but unused dependencies are not errors (a module may link one for its callers), but
# they are worth knowing about when the DEPS lists are edited.
foreach(m ${SY_MODULE_NAMES})
  get_property(used GLOBAL PROPERTY used_${m})
  foreach(d ${SY_MODULE_${m}_DEPS})
    if(NOT d IN_LIST used)
      message("layering: note: module ${m} declares DEPS ${d} but includes none of its headers")
    endif()
  endforeach()
endforeach()

if(violations GREATER 0)
  message(FATAL_ERROR "layering: ${violations} include(s) cross a module boundary the DEPS in "
                      "core/CMakeLists.txt do not allow (${checked} files checked)")
endif()
message("layering: ${checked} files of ${SY_MODULE_NAMES} respect the declared DEPS")
