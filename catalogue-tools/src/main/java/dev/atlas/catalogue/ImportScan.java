package dev.atlas.catalogue;

import dev.atlas.catalogue.error.CatalogueException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What an import of some sources would bring in: the files and the names they get, and what was
 * left out and why. A name is the path relative to the source directory it was found under (a
 * source that is a file gets its own file name), under {@code prefix/} when one is given.
 *
 * <p>Names are taken from the file system as bytes (from the path's URI, which carries them
 * percent-encoded whatever the JVM's locale), so valid UTF-8 is stored exactly even under
 * {@code LANG=C}; a name that is not valid UTF-8 is refused, or with {@code percentEncode} has
 * each invalid byte written as {@code %XX}. Symbolic links are followed only when they point
 * inside the source tree, or with {@code followSymlinks}; dangling links, loops, FIFOs, sockets
 * and device files are skipped, each with its reason in {@link #skipped()}.
 *
 * @param items   the files to import, sorted by name within each source
 * @param skipped one sentence per thing left out
 */
public record ImportScan(List<ImportItem> items, List<String> skipped) {

    /** How much of a refusal's list of bad names to show. */
    private static final int NAMES_SHOWN = 3;

    /**
     * Scans {@code sources}.
     *
     * @throws CatalogueException when a source does not exist or cannot be listed, or names are not
     *                            UTF-8 and {@code percentEncode} is off (nothing is imported then)
     */
    public static ImportScan of(List<Path> sources, String prefix, boolean followSymlinks, boolean percentEncode) {
        final String base = prefix == null || prefix.isEmpty() ? "" : stripSlashes(prefix) + "/";
        final Scanner scanner = new Scanner(base, followSymlinks, percentEncode);
        for (Path src : sources) {
            scanner.source(src);
        }
        if (!scanner.notUtf8.isEmpty()) {
            throw new CatalogueException(scanner.notUtf8.size() + " file name(s) are not valid UTF-8, e.g. "
                    + String.join(", ", scanner.notUtf8.subList(0, Math.min(NAMES_SHOWN, scanner.notUtf8.size())))
                    + "; rename them, or add --percent-encode-names to store each invalid byte as %XX;"
                    + " nothing was imported");
        }
        return new ImportScan(List.copyOf(scanner.items), List.copyOf(scanner.skipped));
    }

    private static final class Scanner {
        private final String base;
        private final boolean followSymlinks;
        private final boolean percentEncode;
        private final List<ImportItem> items = new ArrayList<>();
        private final List<String> skipped = new ArrayList<>();
        private final List<String> notUtf8 = new ArrayList<>();

        Scanner(String base, boolean followSymlinks, boolean percentEncode) {
            this.base = base;
            this.followSymlinks = followSymlinks;
            this.percentEncode = percentEncode;
        }

        void source(Path src) {
            if (Files.isDirectory(src)) {
                final Path root;
                try {
                    root = src.toRealPath();
                } catch (IOException e) {
                    throw new CatalogueException(
                            "cannot list " + src + ": " + e.getMessage() + "; nothing was imported");
                }
                final int from = items.size();
                final Set<Object> chain = new HashSet<>();
                directory(src, root, rawPath(src.toAbsolutePath()), chain);
                items.subList(from, items.size()).sort(Comparator.comparing(ImportItem::name));
            } else if (Files.isRegularFile(src)) {
                final byte[] raw = rawPath(src.toAbsolutePath());
                int slash = raw.length - 1;
                while (slash >= 0 && raw[slash] != '/') {
                    slash--;
                }
                add(java.util.Arrays.copyOfRange(raw, slash + 1, raw.length), src);
            } else if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS)) {
                throw new CatalogueException(
                        src + " is not a file or directory (it does not exist); nothing was" + " imported");
            } else {
                throw new CatalogueException(
                        src + " is not a regular file or directory (or a link to one);" + " nothing was imported");
            }
        }

        /** Adds every file under {@code dir}, named relative to the source's bytes {@code rootRaw}. */
        private void directory(Path dir, Path root, byte[] rootRaw, Set<Object> chain) {
            final Object key = fileKey(dir);
            if (key != null && !chain.add(key)) {
                skipped.add(dir + ": skipped, a symbolic link loop (it leads back to a directory above it)");
                return;
            }
            final List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
                stream.forEach(children::add);
            } catch (IOException | RuntimeException e) {
                throw new CatalogueException("cannot list " + dir + ": " + e.getMessage() + "; nothing was imported");
            }
            for (Path child : children) {
                entry(child, root, rootRaw, chain);
            }
            if (key != null) {
                chain.remove(key);
            }
        }

        private void entry(Path child, Path root, byte[] rootRaw, Set<Object> chain) {
            final BasicFileAttributes own;
            try {
                own = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                skipped.add(child + ": skipped, cannot be read (" + e.getMessage() + ")");
                return;
            }
            if (own.isDirectory()) {
                directory(child, root, rootRaw, chain);
            } else if (own.isRegularFile()) {
                add(relative(rootRaw, child), child);
            } else if (own.isSymbolicLink()) {
                link(child, root, rootRaw, chain);
            } else {
                skipped.add(child + ": skipped, a FIFO, socket or device file is not a regular file");
            }
        }

        private void link(Path link, Path root, byte[] rootRaw, Set<Object> chain) {
            final Path target;
            try {
                target = link.toRealPath();
            } catch (NoSuchFileException e) {
                skipped.add(link + ": skipped, a dangling symbolic link (its target does not exist)");
                return;
            } catch (FileSystemException e) {
                skipped.add(link + ": skipped, a symbolic link that cannot be followed (" + e.getReason() + ")");
                return;
            } catch (IOException e) {
                skipped.add(link + ": skipped, cannot be read (" + e.getMessage() + ")");
                return;
            }
            if (!target.startsWith(root) && !followSymlinks) {
                skipped.add(link + ": skipped, a symbolic link to " + target + ", outside the imported tree;"
                        + " add --follow-symlinks to import what it points to");
            } else if (Files.isDirectory(target)) {
                directory(link, root, rootRaw, chain);
            } else if (Files.isRegularFile(target)) {
                add(relative(rootRaw, link), link);
            } else {
                skipped.add(link + ": skipped, a symbolic link to a FIFO, socket or device file");
            }
        }

        private void add(byte[] rawName, Path source) {
            final String name = decode(rawName);
            if (name == null) {
                notUtf8.add("'" + decodeLossy(rawName) + "' (" + percent(rawName) + ")");
                return;
            }
            items.add(new ImportItem(base + name, source));
        }

        /** UTF-8 text of a name, with invalid bytes as %XX when allowed; null when not allowed. */
        private String decode(byte[] raw) {
            final CharsetDecoder decoder = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            final ByteBuffer in = ByteBuffer.wrap(raw);
            final CharBuffer out = CharBuffer.allocate(raw.length * 3 + 1);
            while (true) {
                final CoderResult result = decoder.decode(in, out, true);
                if (result.isUnderflow()) {
                    decoder.flush(out);
                    return out.flip().toString();
                }
                if (!percentEncode) {
                    return null;
                }
                for (int i = 0; i < result.length(); i++) {
                    out.put(String.format(Locale.ROOT, "%%%02X", in.get() & 0xff));
                }
            }
        }
    }

    private static Object fileKey(Path dir) {
        try {
            return Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** The bytes of {@code file}'s path after the bytes of its source directory and a '/'. */
    private static byte[] relative(byte[] rootRaw, Path file) {
        final byte[] raw = rawPath(file.toAbsolutePath());
        int start = rootRaw.length;
        while (start < raw.length && raw[start] == '/') {
            start++;
        }
        return java.util.Arrays.copyOfRange(raw, start, raw.length);
    }

    /**
     * The bytes of an absolute path as the file system holds them: its URI carries them
     * percent-encoded whatever the JVM's locale, where {@code toString()} would have replaced
     * what the locale cannot decode.
     */
    static byte[] rawPath(Path absolute) {
        final String encoded = absolute.toUri().getRawPath();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            final char c = encoded.charAt(i);
            if (c == '%' && i + 2 < encoded.length()) {
                bytes.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        final byte[] raw = bytes.toByteArray();
        int end = raw.length;
        while (end > 1 && raw[end - 1] == '/') {
            end--; // a directory's URI ends with '/'
        }
        return java.util.Arrays.copyOf(raw, end);
    }

    private static String decodeLossy(byte[] raw) {
        return new String(raw, StandardCharsets.UTF_8);
    }

    private static String percent(byte[] raw) {
        final StringBuilder s = new StringBuilder();
        for (byte b : raw) {
            if (b >= 0x21 && b < 0x7f && b != '%') {
                s.append((char) b);
            } else {
                s.append(String.format(Locale.ROOT, "%%%02X", b & 0xff));
            }
        }
        return s.toString();
    }

    private static String stripSlashes(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '/') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '/') {
            to--;
        }
        return s.substring(from, to);
    }
}
