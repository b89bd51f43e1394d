namespace AgentGateway;

/// <summary>A file Export-McpToolModule wrote: the module's manifest (.psd1) or its script (.psm1).</summary>
public sealed class McpToolModuleFile
{
    internal McpToolModuleFile(string moduleName, string kind, string path, int commandCount)
    {
        ModuleName = moduleName;
        Kind = kind;
        Path = path;
        CommandCount = commandCount;
        Length = new FileInfo(path).Length;
    }

    /// <summary>The module's name (the last segment of -Path).</summary>
    public string ModuleName { get; }

    /// <summary>Manifest (the .psd1) or Script (the .psm1).</summary>
    public string Kind { get; }

    /// <summary>The file's name.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The file's size in bytes.</summary>
    public long Length { get; }

    /// <summary>The commands (tools) the module holds.</summary>
    public int CommandCount { get; }

    /// <summary>The full path, so the object can be piped to a command that takes a path (Import-Module, Get-Item).</summary>
    public override string ToString() => Path;
}
