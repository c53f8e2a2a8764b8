import { describe, expect, it } from 'vitest';
import { UrlRefusedError, vetUrl } from '#lib/net/url-guard';

describe('the URL guard', () => {
  it.each([
    'http://127.0.0.1/',
    'http://127.8.9.10/',
    'http://0.0.0.0/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://169.254.169.254/',
    'http://100.64.0.1/',
    'http://100.127.255.255/',
    'http://224.0.0.1/',
    'http://[::1]/',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/',
    'http://[::ffff:10.0.0.1]/',
    'http://localhost/',
    'http://[::7f00:1]/',
    'http://[::127.0.0.1]/',
    'http://[::a9fe:a9fe]/',
    'http://[::ffff:7f00:1]/',
    'http://[2002:7f00:1::]/',
    'http://[2002:a9fe:a9fe::1]/',
    'http://[2002:c0a8:101:0:0:0:0:1]/',
    'http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/',
    'http://[2001::5ef5:79fd:0:0:3f57:fefe]/',
    'http://[64:ff9b::a00:1]/',
    'http://[64:ff9b::10.0.0.1]/',
    'http://[64:ff9b:1::a9fe:a9fe]/',
  ])('refuses %s', async (url) => {
    await expect(vetUrl(url)).rejects.toBeInstanceOf(UrlRefusedError);
  });

  it.each([
    'https://93.184.215.14/video.mp4',
    'http://172.32.0.1/',
    'http://100.128.0.1/',
    'http://[2606:4700::1111]/',
    'http://[2002:5db8:d70e::1]/',
    'http://[2001:0:5db8:d70e::a247:28f1]/',
  ])('lets %s through', async (url) => {
    await expect(vetUrl(url)).resolves.toMatchObject({ address: expect.any(String) });
  });

  it.each(['ftp://example.com/a.mp4', 'http://user:pass@93.184.215.14/', 'not a url'])('refuses %s by its shape', async (url) => {
    await expect(vetUrl(url)).rejects.toBeInstanceOf(UrlRefusedError);
  });
});
