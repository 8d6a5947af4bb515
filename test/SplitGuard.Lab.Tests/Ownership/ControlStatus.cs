using System.Text.Json.Nodes;
using SplitGuard.Daemon.Api;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>The <c>ownership</c> object of a daemon's status, read through its control socket (null while it does not answer).</summary>
public static class ControlStatus
{
    public static Task<JsonObject?> OwnershipAsync(string workDir, string node) =>
        Task.Run(() =>
        {
            try
            {
                return ControlClient.Send(Path.Combine(workDir, $"{node}-control.sock"), new JsonObject { ["command"] = "status" }, TimeSpan.FromSeconds(5))["ownership"] as JsonObject;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                return null;
            }
        });
}
