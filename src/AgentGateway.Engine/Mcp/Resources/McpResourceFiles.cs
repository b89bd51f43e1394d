using System.Text;

namespace AgentGateway.Engine.Mcp.Resources;

/// <summary>
/// Writes what a resources/read returned to files: one item to the file named, several into the folder named, each
/// under a file name made from its URI (the last path segment, with every character a file name cannot hold replaced;
/// a name given twice gets a number). A server's URI never names a place outside the folder.
/// </summary>
internal static class McpResourceFiles
{
    /// <summary>Writes <paramref name="items"/> to <paramref name="path"/> (a full file-system path); returns the files written, in order.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<McpResourceItem> items, string path)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            if (items.Count == 1 && !Directory.Exists(path))
            {
                var parent = Path.GetDirectoryName(Path.GetFullPath(path));
                if (!string.IsNullOrEmpty(parent))
                {
                    Directory.CreateDirectory(parent);
                }

                WriteOne(items[0], path);
                return [path];
            }

            Directory.CreateDirectory(path);
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var written = new List<string>(items.Count);
            foreach (var item in items)
            {
                var name = FileNameFor(item.ResourceUri);
                var unique = name;
                for (var n = 2; !used.Add(unique); n++)
                {
                    unique = $"{Path.GetFileNameWithoutExtension(name)}-{n}{Path.GetExtension(name)}";
                }

                var file = Path.Combine(path, unique);
                WriteOne(item, file);
                written.Add(file);
            }

            return written;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            throw new McpPrimitiveException(McpPrimitiveProblem.OutputFailed, $"The resource could not be written to '{path}': {e.Message}", path, innerException: e);
        }
    }

    /// <summary>A file name for <paramref name="resourceUri"/>: its last non-empty path segment, unescaped, made safe; "resource" when none is left.</summary>
    public static string FileNameFor(string resourceUri)
    {
        ArgumentNullException.ThrowIfNull(resourceUri);
        var withoutQuery = resourceUri.Split('?', '#')[0];
        var segment = withoutQuery.Split('/', '\\').LastOrDefault(s => s.Length > 0) ?? string.Empty;
        segment = Uri.UnescapeDataString(segment);
        var invalid = Path.GetInvalidFileNameChars();
        var safe = new StringBuilder(segment.Length);
        foreach (var c in segment)
        {
            safe.Append(invalid.Contains(c) || char.IsControl(c) || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c);
        }

        var name = safe.ToString().Trim().TrimEnd('.');
        if (name.Length > 120)
        {
            name = name[..120];
        }

        return name.Length == 0 || name.All(c => c == '.') ? "resource" : name;
    }

    private static void WriteOne(McpResourceItem item, string file)
    {
        if (item.Blob is { } bytes)
        {
            File.WriteAllBytes(file, bytes);
        }
        else
        {
            File.WriteAllText(file, item.Text ?? string.Empty, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
    }
}
