package dev.atlas.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The files a load may ask for, with their lengths and SHA-256: one {@code name<TAB>length<TAB>sha256} per line. */
public record Manifest(List<Item> items) {
    /** One file: its catalogue name, byte length and SHA-256. */
    public record Item(String name, long length, byte[] sha256) {}

    public static Manifest read(Path file) throws IOException {
        final List<Item> items = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            final String[] fields = line.split("\t");
            if (fields.length != 3) {
                throw new IOException(file + ": expected name, length and SHA-256 separated by tabs, not: " + line);
            }
            items.add(new Item(
                    fields[0], Long.parseLong(fields[1]), HexFormat.of().parseHex(fields[2])));
        }
        if (items.isEmpty()) {
            throw new IOException(file + " lists no files");
        }
        return new Manifest(List.copyOf(items));
    }

    public void write(Path file) throws IOException {
        final StringBuilder text = new StringBuilder();
        for (Item item : items) {
            text.append(item.name())
                    .append('\t')
                    .append(item.length())
                    .append('\t')
                    .append(HexFormat.of().formatHex(item.sha256()))
                    .append('\n');
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
