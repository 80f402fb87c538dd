using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Partnumber.Client.Testing.Tests.Support;

public static class Http
{
    public static readonly HttpClient Client = new();

    public static Task<HttpResponseMessage> PostJsonAsync(Uri baseAddress, string json, string path = "classify-partnumber", HttpClient? client = null)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return (client ?? Client).PostAsync(new Uri(baseAddress, path), content);
    }

    public static async Task<(string TaskId, string RoomId)> StartAsync(Uri baseAddress, string partnumber, string? socketSessionId = null, HttpClient? client = null)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, string?> { ["partnumber"] = partnumber, ["socket_session_id"] = socketSessionId });
        using var response = await PostJsonAsync(baseAddress, body, client: client);
        Assert.Equal(202, (int)response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (doc.RootElement.GetProperty("task_id").GetString()!, doc.RootElement.GetProperty("room_id").GetString()!);
    }
}
