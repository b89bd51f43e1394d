using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Engine.Tests.Mcp.Transport;

/// <summary>
/// A message collected while it arrives: small ones in pooled chunks and copied once to their exact size, large ones
/// in one array with room for the limit that is handed over as it is (no second copy), whatever the sizes of the
/// pieces it came in.
/// </summary>
public sealed class McpMessageSegmentsTests
{
    private const int Mb = 1024 * 1024;

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 7 % 251);
        }

        return bytes;
    }

    private static void AppendInPieces(McpMessageSegments segments, byte[] bytes, int piece)
    {
        for (var offset = 0; offset < bytes.Length; offset += piece)
        {
            segments.Append(bytes.AsSpan(offset, Math.Min(piece, bytes.Length - offset)));
        }
    }

    private static ArraySegment<byte> ArrayOf(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) ? segment : throw new InvalidOperationException("not an array");

    [Theory]
    [InlineData(1, 1)]
    [InlineData(100_000, 1000)]
    [InlineData(McpMessageSegments.LargeThreshold, 65_536)]
    public void A_small_message_stays_in_chunks_and_is_handed_over_as_an_array_of_its_exact_size(int length, int piece)
    {
        var bytes = Bytes(length);
        var segments = new McpMessageSegments(expected: null, limit: 32 * Mb);

        AppendInPieces(segments, bytes, piece);

        Assert.Equal(0, segments.Capacity);
        Assert.Equal(length, segments.Length);
        var message = segments.Detach();
        Assert.Equal(bytes, message.ToArray());
        Assert.Equal(length, ArrayOf(message).Array!.Length);
        Assert.Equal(0, segments.Length);
    }

    [Theory]
    [InlineData(65_536)]
    [InlineData(100_003)]
    [InlineData(3 * Mb)]
    public void A_large_message_moves_into_one_array_with_room_for_the_limit_and_is_handed_over_in_it(int piece)
    {
        var bytes = Bytes(20 * Mb);
        var segments = new McpMessageSegments(expected: null, limit: 32 * Mb);

        AppendInPieces(segments, bytes, piece);

        Assert.Equal(32 * Mb, segments.Capacity);
        var message = segments.Detach();
        Assert.Equal(bytes, message.ToArray());
        var array = ArrayOf(message);
        Assert.Equal(0, array.Offset);
        Assert.Equal(32 * Mb, array.Array!.Length); // the same array: not copied again
        Assert.Equal(0, segments.Capacity);
    }

    [Fact]
    public void A_large_message_that_fills_less_than_half_of_its_room_is_copied_to_its_size()
    {
        var bytes = Bytes(2 * Mb);
        var segments = new McpMessageSegments(expected: null, limit: 32 * Mb);

        AppendInPieces(segments, bytes, 65_536);

        Assert.Equal(32 * Mb, segments.Capacity);
        var message = segments.Detach();
        Assert.Equal(bytes, message.ToArray());
        Assert.Equal(2 * Mb, ArrayOf(message).Array!.Length);
    }

    [Fact]
    public void A_message_of_a_known_length_goes_into_an_array_of_that_length()
    {
        var bytes = Bytes(5000);
        var segments = new McpMessageSegments(expected: 5000, limit: 32 * Mb);
        Assert.Equal(5000, segments.Capacity);

        AppendInPieces(segments, bytes, 333);

        var message = segments.Detach();
        Assert.Equal(bytes, message.ToArray());
        Assert.Equal(5000, ArrayOf(message).Array!.Length);
    }

    [Fact]
    public void A_message_longer_than_announced_grows_and_keeps_every_byte()
    {
        var bytes = Bytes(3000);
        var segments = new McpMessageSegments(expected: 1000, limit: 4 * Mb);

        AppendInPieces(segments, bytes, 700);

        Assert.Equal(4 * Mb, segments.Capacity);
        Assert.Equal(bytes, segments.Detach().ToArray());
    }

    [Fact]
    public void A_message_past_its_room_grows_and_keeps_every_byte()
    {
        // A limit above LargeCapacity: the room is LargeCapacity at first, then four times that (at most the limit).
        var bytes = Bytes(McpMessageSegments.LargeCapacity + 10);
        var segments = new McpMessageSegments(expected: null, limit: 1024L * Mb);

        AppendInPieces(segments, bytes, 4 * Mb);

        Assert.Equal(4L * McpMessageSegments.LargeCapacity, segments.Capacity);
        Assert.Equal(bytes, segments.Detach().ToArray());
    }

    [Theory]
    [InlineData(McpMessageSegments.LargeThreshold + 1L, 0L, 32L * Mb, 32L * Mb)] // the limit, when it is small
    [InlineData(McpMessageSegments.LargeThreshold + 1L, 0L, 1024L * Mb, McpMessageSegments.LargeCapacity)] // at most LargeCapacity at first
    [InlineData(McpMessageSegments.LargeCapacity + 1L, McpMessageSegments.LargeCapacity, 1024L * Mb, 4L * McpMessageSegments.LargeCapacity)] // then fourfold
    [InlineData(4L * McpMessageSegments.LargeCapacity + 1L, 4L * McpMessageSegments.LargeCapacity, 1024L * Mb, 1024L * Mb)] // at most the limit
    [InlineData(100L * Mb, 0L, 32L * Mb, 100L * Mb)] // never less than needed
    [InlineData(2000L, 1000L, 4L * Mb, 4L * Mb)] // past an announced length
    public void The_room_of_the_array_is_the_limit_at_most_LargeCapacity_at_first_then_fourfold(long needed, long current, long limit, long expected)
    {
        Assert.Equal(expected, McpMessageSegments.NewCapacity(needed, current, limit));
    }

    [Fact]
    public void The_room_of_a_message_too_large_for_one_array_is_refused()
    {
        Assert.Throws<InsufficientMemoryException>(() => McpMessageSegments.NewCapacity(Array.MaxLength + 1L, 0, long.MaxValue));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(2 * Mb)]
    public void The_lines_are_written_with_each_line_feed_replaced_in_chunks_and_in_the_array(int length)
    {
        var text = string.Concat(Enumerable.Repeat("ab\n", length / 3 + 1));
        var segments = new McpMessageSegments(expected: null, limit: 32 * Mb);
        AppendInPieces(segments, Encoding.UTF8.GetBytes(text), 65_535);
        var output = new ArrayBufferWriter<byte>();

        segments.WriteLinesTo(output, "|x"u8);

        Assert.Equal(text.Replace("\n", "|x", StringComparison.Ordinal), Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Cleared_it_holds_nothing_and_collects_anew()
    {
        var segments = new McpMessageSegments(expected: null, limit: 32 * Mb);
        AppendInPieces(segments, Bytes(2 * Mb), 65_536);

        segments.Clear();
        segments.Append("{}"u8);

        Assert.Equal(0, segments.Capacity);
        Assert.Equal("{}"u8.ToArray(), segments.Detach().ToArray());
    }

    [Fact]
    public void A_limit_of_zero_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new McpMessageSegments(expected: null, limit: 0));
    }
}
