// libxml2's HTML parser and tree (Debian: libxml2-dev; found through pkg-config "libxml-2.0", which adds
// -I/usr/include/libxml2).
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
