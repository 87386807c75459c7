// libxml2's HTML parser and tree (Debian: libxml2-dev; found through pkg-config "libxml-2.0", which adds
// -I/usr/include/libxml2).
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, so its encoding header would bring in the system's ICU headers, whose UErrorCode
// clashes with the copy Foundation carries (_FoundationICU) in any Swift file that sees both. Nothing here uses
// libxml2's ICU converters (only pointers to encoding handlers, never their fields), so the header is read without
// them.
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
