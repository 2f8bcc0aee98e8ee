package dev.atlas.catalogue;

import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.catalogue.format.IndexEntryDescriptor;
import java.nio.charset.StandardCharsets;

/** The rules a file name must follow to enter a catalogue: a relative path the server can serve. */
public final class CatalogueNames {

    private CatalogueNames() {}

    /**
     * Checks a name.
     *
     * @throws CatalogueException saying what is wrong with it
     */
    public static void check(String name) {
        if (name.isEmpty()) {
            throw new CatalogueException("a file name must not be empty");
        }
        final int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > IndexEntryDescriptor.MAX_NAME_BYTES) {
            throw new CatalogueException("name too long: " + bytes + " bytes of UTF-8, the limit is "
                    + IndexEntryDescriptor.MAX_NAME_BYTES + " (" + abbreviate(name) + ")");
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogatePair(name, i)) {
                throw new CatalogueException("name " + abbreviate(name) + " contains a control character or"
                        + " invalid Unicode; rename the file");
            }
            if (Character.isHighSurrogate(c)) {
                i++;
            }
        }
        if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
            throw new CatalogueException("name " + abbreviate(name) + " must be a relative path without empty"
                    + " elements (no leading, trailing or double '/')");
        }
        for (String element : name.split("/")) {
            if (element.equals(".") || element.equals("..")) {
                throw new CatalogueException("name " + abbreviate(name) + " must not contain '.' or '..' elements");
            }
        }
    }

    private static boolean validSurrogatePair(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i))
                && i + 1 < s.length()
                && Character.isLowSurrogate(s.charAt(i + 1));
    }

    /** A name cut to a length that fits an error line. */
    public static String abbreviate(String name) {
        final int max = 60;
        return "'" + (name.length() <= max ? name : name.substring(0, max - 3) + "...") + "'";
    }
}
