package dev.atlas.catalogue;

import static dev.atlas.catalogue.format.IndexEntryDescriptor.*;

import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.catalogue.format.IndexDescriptor;
import dev.atlas.catalogue.format.IndexEntryFlyweight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Encodes the index into its on-disk bytes and decodes it back, checking every length against
 * the bytes actually present: damaged input ends in a {@link CatalogueFormatException} that says
 * where, never in an out-of-bounds access or an endless loop.
 */
public final class IndexCodec {

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private IndexCodec() {}

    /** Bytes the encoded index will take. */
    public static long encodedLength(Collection<CatalogueEntry> entries) {
        long length = IndexDescriptor.HEADER_LENGTH;
        for (CatalogueEntry e : entries) {
            length += entryLength(utf8(e.name()).length, ascii(e.contentType()).length, ascii(e.etag()).length);
        }
        return length;
    }

    /** Encodes {@code entries} (in iteration order) into a fresh heap segment of the exact length. */
    public static MemorySegment encode(long generation, UUID setUuid, Collection<CatalogueEntry> entries) {
        final long length = encodedLength(entries);
        if (length > CatalogueLayout.MAX_INDEX_BYTES) {
            throw new CatalogueException("the index would need " + length + " bytes, more than the "
                    + CatalogueLayout.MAX_INDEX_BYTES + " a catalogue may have; split the content over several sets");
        }
        final MemorySegment index = MemorySegment.ofArray(new byte[(int) length]);
        index.set(LONG, IndexDescriptor.MAGIC_OFFSET, IndexDescriptor.MAGIC);
        index.set(INT, IndexDescriptor.VERSION_OFFSET, IndexDescriptor.FORMAT_VERSION);
        index.set(INT, IndexDescriptor.ENTRY_COUNT_OFFSET, entries.size());
        index.set(LONG, IndexDescriptor.GENERATION_OFFSET, generation);
        index.set(LONG, IndexDescriptor.SET_UUID_MSB_OFFSET, setUuid.getMostSignificantBits());
        index.set(LONG, IndexDescriptor.SET_UUID_LSB_OFFSET, setUuid.getLeastSignificantBits());
        index.set(LONG, IndexDescriptor.LENGTH_OFFSET, length);
        final IndexEntryFlyweight entry = new IndexEntryFlyweight();
        long offset = IndexDescriptor.HEADER_LENGTH;
        for (CatalogueEntry e : entries) {
            final byte[] name = utf8(e.name());
            final byte[] type = ascii(e.contentType());
            final byte[] etag = ascii(e.etag());
            final int entryLength = entryLength(name.length, type.length, etag.length);
            entry.wrap(index, offset)
                    .entryLength(entryLength)
                    .nameLength(name.length)
                    .contentTypeLength(type.length)
                    .etagLength(etag.length)
                    .flags(0)
                    .device(e.device())
                    .firstLba(e.firstLba())
                    .byteLength(e.length())
                    .mtimeMillis(e.mtimeMillis());
            MemorySegment.copy(MemorySegment.ofArray(e.sha256()), 0, entry.sha256(), 0, SHA256_LENGTH);
            MemorySegment.copy(name, 0, index, ValueLayout.JAVA_BYTE, entry.nameOffset(), name.length);
            MemorySegment.copy(type, 0, index, ValueLayout.JAVA_BYTE, entry.contentTypeOffset(), type.length);
            MemorySegment.copy(etag, 0, index, ValueLayout.JAVA_BYTE, entry.etagOffset(), etag.length);
            offset += entryLength;
        }
        return index;
    }

    /** CRC32C of the first {@code length} bytes. */
    public static int crc(MemorySegment index, long length) {
        final CRC32C crc = new CRC32C();
        crc.update(index.asSlice(0, length).asByteBuffer());
        return (int) crc.getValue();
    }

    /**
     * Decodes the index that {@code superblock} commits, from a segment holding at least
     * {@code superblock.indexBytes()} bytes.
     *
     * @param device the device, for messages
     */
    public static List<CatalogueEntry> decode(MemorySegment index, Superblock superblock, String device) {
        final String where = device + " (generation " + superblock.generation() + ")";
        final long length = superblock.indexBytes();
        if (index.byteSize() < length || length < IndexDescriptor.HEADER_LENGTH) {
            throw damaged(where, "it is " + length + " bytes long, shorter than its header");
        }
        if (crc(index, length) != superblock.indexCrc()) {
            throw damaged(where, "its CRC32C does not match the superblock");
        }
        return decodeTrusted(index, superblock, where);
    }

    /** Decodes an index whose checksum was already verified; still checks every field. */
    static List<CatalogueEntry> decodeTrusted(MemorySegment index, Superblock superblock, String where) {
        final long length = superblock.indexBytes();
        if (index.get(LONG, IndexDescriptor.MAGIC_OFFSET) != IndexDescriptor.MAGIC) {
            throw damaged(where, "its magic is missing");
        }
        if (index.get(INT, IndexDescriptor.VERSION_OFFSET) != IndexDescriptor.FORMAT_VERSION) {
            throw damaged(where, "version " + index.get(INT, IndexDescriptor.VERSION_OFFSET) + " is not supported");
        }
        if (index.get(LONG, IndexDescriptor.GENERATION_OFFSET) != superblock.generation()
                || index.get(LONG, IndexDescriptor.SET_UUID_MSB_OFFSET)
                        != superblock.setUuid().getMostSignificantBits()
                || index.get(LONG, IndexDescriptor.SET_UUID_LSB_OFFSET)
                        != superblock.setUuid().getLeastSignificantBits()) {
            throw damaged(where, "it belongs to another generation or set than the superblock");
        }
        if (index.get(LONG, IndexDescriptor.LENGTH_OFFSET) != length) {
            throw damaged(where, "its length field disagrees with the superblock");
        }
        final int count = index.get(INT, IndexDescriptor.ENTRY_COUNT_OFFSET);
        if (count < 0
                || count != superblock.indexEntries()
                || count > (length - IndexDescriptor.HEADER_LENGTH) / FIXED_LENGTH) {
            throw damaged(where, "its entry count " + count + " does not fit its length");
        }
        final CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        final List<CatalogueEntry> entries = new ArrayList<>(count);
        final Set<String> names = new HashSet<>(count * 2);
        final IndexEntryFlyweight entry = new IndexEntryFlyweight();
        long offset = IndexDescriptor.HEADER_LENGTH;
        for (int i = 0; i < count; i++) {
            if (offset + FIXED_LENGTH > length) {
                throw damaged(where, "entry " + i + " starts past its end");
            }
            entry.wrap(index, offset);
            final int nameLength = entry.nameLength();
            final int typeLength = entry.contentTypeLength();
            final int etagLength = entry.etagLength();
            final int entryLength = entry.entryLength();
            if (nameLength < 1
                    || nameLength > MAX_NAME_BYTES
                    || typeLength > MAX_CONTENT_TYPE_BYTES
                    || etagLength > MAX_ETAG_BYTES
                    || entryLength != entryLength(nameLength, typeLength, etagLength)
                    || offset + entryLength > length) {
                throw damaged(where, "entry " + i + " has inconsistent lengths");
            }
            if (entry.flags() != 0) {
                throw damaged(where, "entry " + i + " has unknown flags " + entry.flags());
            }
            final int device = entry.device();
            final long firstLba = entry.firstLba();
            final long byteLength = entry.byteLength();
            if (device < 0
                    || device >= superblock.deviceCount()
                    || byteLength < 0
                    || firstLba < 0
                    || byteLength > Long.MAX_VALUE - superblock.blockSize()) {
                throw damaged(where, "entry " + i + " points outside the device set");
            }
            final String name = string(decoder, index, entry.nameOffset(), nameLength, where, i);
            final String type = string(decoder, index, entry.contentTypeOffset(), typeLength, where, i);
            final String etag = string(decoder, index, entry.etagOffset(), etagLength, where, i);
            if (!names.add(name)) {
                throw damaged(where, "the name '" + name + "' appears twice");
            }
            final byte[] sha = entry.sha256().toArray(ValueLayout.JAVA_BYTE);
            entries.add(new CatalogueEntry(name, device, firstLba, byteLength, type, sha, etag, entry.mtimeMillis()));
            offset += entryLength;
        }
        if (offset != length) {
            throw damaged(where, "it has " + (length - offset) + " bytes after its last entry");
        }
        return entries;
    }

    private static String string(
            CharsetDecoder decoder, MemorySegment index, long offset, int length, String where, int entry) {
        final ByteBuffer bytes = index.asSlice(offset, length).asByteBuffer();
        try {
            return decoder.reset().decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw damaged(where, "entry " + entry + " holds text that is not UTF-8");
        }
    }

    private static CatalogueFormatException damaged(String where, String why) {
        return new CatalogueFormatException("the catalogue index on " + where + " is damaged: " + why);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
