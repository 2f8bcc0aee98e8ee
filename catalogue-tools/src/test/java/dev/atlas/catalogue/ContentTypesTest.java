package dev.atlas.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ContentTypesTest {

    @Test
    void streamingTypesFollowTheExtension() {
        assertEquals("application/vnd.apple.mpegurl", ContentTypes.forName("hls/master.m3u8"));
        assertEquals("application/dash+xml", ContentTypes.forName("dash/manifest.mpd"));
        assertEquals("video/mp2t", ContentTypes.forName("hls/720p/seg_00001.ts"));
        assertEquals("video/iso.segment", ContentTypes.forName("dash/chunk-1-00001.m4s"));
        assertEquals("video/mp4", ContentTypes.forName("movie.MP4"));
        assertEquals("audio/mp4", ContentTypes.forName("audio.m4a"));
        assertEquals("text/vtt", ContentTypes.forName("subs/en.vtt"));
        assertEquals("image/png", ContentTypes.forName("poster.png"));
    }

    @Test
    void unknownOrMissingExtensionsAreOctetStream() {
        assertEquals(ContentTypes.DEFAULT, ContentTypes.forName("README"));
        assertEquals(ContentTypes.DEFAULT, ContentTypes.forName("dir.d/README"));
        assertEquals(ContentTypes.DEFAULT, ContentTypes.forName("file."));
        assertEquals(ContentTypes.DEFAULT, ContentTypes.forName("blob.bin"));
    }
}
