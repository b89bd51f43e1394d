using AgentGateway.Engine.Runspace;
using AgentGateway.Sandbox;

namespace AgentGateway.Engine.Tests.Runspace;

/// <summary>
/// A runspace state against the sandbox gateway, as the sandbox tests make it: the sandbox's credentials (or
/// <c>credentialsJson</c>) in a folder of its own, readable by the user only, and its CA trusted. Disposing it disposes
/// the state and deletes the folder.
/// </summary>
internal sealed class SandboxRunspace : IDisposable
{
    public SandboxRunspace(SandboxGateway sandbox, TimeProvider? timeProvider = null, string? credentialsJson = null)
    {
        Folder = Directory.CreateTempSubdirectory("agw-runspace-").FullName;
        var path = Path.Combine(Folder, "credentials.json");
        if (credentialsJson is null)
        {
            sandbox.WriteCredentialsFile(path);
        }
        else
        {
            File.WriteAllText(path, credentialsJson);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        State = new RunspaceState(_ => null, timeProvider);
        State.UpdateConfig(c => c.With(credentialPath: path, trustedCaPath: sandbox.CaCertificatePath));
    }

    /// <summary>The folder of the credentials; a test may keep its own files there.</summary>
    public string Folder { get; }

    public RunspaceState State { get; }

    public void Dispose()
    {
        State.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
