package dev.atlas.bench.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's parsers and the ladder's layout, without tools or privileges. */
class DemoPartsTest {

    @Test
    void prometheusTextSumsOverLanesAndGroupsByLabel() {
        final PrometheusText m = PrometheusText.parse("""
            # HELP atlas_http_requests_total HTTP responses queued, by status.
            # TYPE atlas_http_requests_total counter
            atlas_http_requests_total{lane="0",status="200"} 3.0
            atlas_http_requests_total{lane="1",status="200"} 2.0
            atlas_http_requests_total{lane="1",status="206"} 7.0
            atlas_llc_size_bytes 3.3554432E7
            odd_total{path="a\\"b,c}",lane="0"} 1 1700000000000
            atlas_gauge{lane="0"} NaN
            atlas_max{lane="0"} +Inf
            """);
        assertEquals(12.0, m.sum("atlas_http_requests_total"));
        assertEquals(Map.of("200", 5.0, "206", 7.0), m.sumBy("atlas_http_requests_total", "status"));
        assertEquals(33_554_432.0, m.max("atlas_llc_size_bytes"));
        assertEquals("a\"b,c}", m.samples().get(4).labels().get("path"));
        assertEquals(1.0, m.sum("odd_total"));
        assertTrue(Double.isNaN(m.sum("atlas_gauge")));
        assertEquals(Double.POSITIVE_INFINITY, m.max("atlas_max"));
        assertEquals(0.0, m.sum("absent_total"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("broken{lane=\"0\" 1"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("name{lane=\"0\"} one"));
    }

    @Test
    void lastProgressBlockWins() {
        final Map<String, String> p = Demo.lastProgress("""
            frame=50
            out_time_us=2000000
            progress=continue
            frame=200
            out_time_us=8040000
            progress=end
            """);
        assertEquals("200", p.get("frame"));
        assertEquals("8040000", p.get("out_time_us"));
        assertEquals("end", p.get("progress"));
    }

    @Test
    void ladderNamesEveryFileAndMapsEachRendition() {
        final HlsLadder ladder = new HlsLadder(Path.of("/tmp/x"), HlsLadder.RENDITIONS, 9, 2);
        assertEquals(5, ladder.segmentsPerRendition(), "a short last segment counts");
        assertEquals(1 + 2 * (1 + 5), ladder.files().size());
        assertEquals(
                List.of("master.m3u8", "v0/index.m3u8", "v0/seg-000.ts"),
                ladder.files().subList(0, 3));
        assertEquals("v1/seg-004.ts", ladder.files().getLast());
        final List<String> command = ladder.ffmpegCommand();
        final String line = String.join(" ", command);
        assertTrue(line.contains("[0:v]split=2[s0][s1];[s0]scale=640:360[v0];[s1]scale=320:180[v1]"), line);
        assertTrue(line.contains("-var_stream_map v:0,a:0 v:1,a:1"), line);
        assertTrue(line.contains("-g 50 -keyint_min 50"), line);
        assertTrue(line.contains("-hls_segment_filename v%v/seg-%03d.ts v%v/index.m3u8"), line);
    }
}
