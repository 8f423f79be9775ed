# Turns core/data/catalog.json into a C++ source holding it as one string constant.
# Run as: cmake -DINPUT=... -DOUTPUT=... -P EmbedCatalog.cmake
file(READ ${INPUT} content)
string(LENGTH "${content}" size)
# Raw string literals have no length limit in GCC or clang; the delimiter never occurs in JSON.
file(WRITE ${OUTPUT}.tmp
"// Generated from core/data/catalog.json by cmake/EmbedCatalog.cmake. Do not edit.\n"
"#include <string_view>\n"
"namespace switchyard::internal {\n"
"extern const std::string_view kDefaultCatalogJson;\n"
"const std::string_view kDefaultCatalogJson{R\"SYCATALOG(${content})SYCATALOG\", ${size}};\n"
"}  // namespace switchyard::internal\n")
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
