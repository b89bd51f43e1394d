using System.Buffers;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// A message's bytes in pooled chunks while it arrives (no doubling, no copy but the final one), then one array
/// of exactly its size; with a known length, that array from the start.
/// </summary>
internal sealed class McpMessageSegments(long? expected)
{
    private const int ChunkSize = 64 * 1024;
    private readonly List<byte[]> _chunks = [];
    private byte[]? _exact = expected is > 0 and <= int.MaxValue ? GC.AllocateUninitializedArray<byte>((int)expected.Value) : null;
    private int _lastUsed;

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_exact is not null && Length + data.Length <= _exact.Length)
        {
            data.CopyTo(_exact.AsSpan((int)Length));
            Length += data.Length;
            return;
        }

        if (_exact is not null)
        {
            // More than announced: the chunks take over.
            var written = _exact.AsSpan(0, (int)Length).ToArray();
            _exact = null;
            Length = 0;
            _lastUsed = 0;
            Append(written);
        }

        while (!data.IsEmpty)
        {
            if (_chunks.Count == 0 || _lastUsed == ChunkSize)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                _lastUsed = 0;
            }

            var n = Math.Min(ChunkSize - _lastUsed, data.Length);
            data[..n].CopyTo(_chunks[^1].AsSpan(_lastUsed));
            _lastUsed += n;
            Length += n;
            data = data[n..];
        }
    }

    /// <summary>The bytes as one array of exactly their length; the chunks go back to the pool.</summary>
    public byte[] ToArray()
    {
        if (_exact is not null && Length == _exact.Length)
        {
            var exact = _exact;
            _exact = null;
            Length = 0;
            return exact;
        }

        var result = GC.AllocateUninitializedArray<byte>(checked((int)Length));
        var offset = 0;
        foreach (var memory in Spans())
        {
            memory.Span.CopyTo(result.AsSpan(offset));
            offset += memory.Length;
        }

        Clear();
        return result;
    }

    /// <summary>Writes the bytes, each line feed replaced by <paramref name="separator"/>.</summary>
    public void WriteLinesTo(IBufferWriter<byte> output, ReadOnlySpan<byte> separator)
    {
        foreach (var memory in Spans())
        {
            WriteLines(output, memory.Span, separator);
        }
    }

    public void Clear()
    {
        foreach (var chunk in _chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _chunks.Clear();
        _lastUsed = 0;
        _exact = null;
        Length = 0;
    }

    private IEnumerable<ReadOnlyMemory<byte>> Spans()
    {
        if (_exact is not null)
        {
            yield return _exact.AsMemory(0, (int)Length);
            yield break;
        }

        for (var i = 0; i < _chunks.Count; i++)
        {
            yield return _chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _lastUsed : ChunkSize);
        }
    }

    /// <summary>Writes <paramref name="bytes"/>, each line feed replaced by <paramref name="separator"/>.</summary>
    internal static void WriteLines(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> separator)
    {
        while (bytes.IndexOf((byte)'\n') is var lf and >= 0)
        {
            output.Write(bytes[..lf]);
            output.Write(separator);
            bytes = bytes[(lf + 1)..];
        }

        output.Write(bytes);
    }
}
