#!/usr/bin/env python3
"""The memory browser's main flows in headless Chromium (scripts/browser-test.sh starts the stack and calls this).

    browser_test.py --gateway URL --key ADMIN_KEY --screenshots DIR

Signs in, finds through a search a memory added through the API, opens it, deletes and restores it, and checks that
another user sees none of the first user's cubes; writes a screenshot of each page to DIR. Exits 1 on a failed step.
"""
import argparse
import functools
import http.server
import json
import sys
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments):
        pass


def call(gateway, key, method, path, body=None):
    request = urllib.request.Request(gateway + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--app-port", type=int, required=True, help="an origin MEMOS_CORS_ORIGINS allows")
    parser.add_argument("--other-port", type=int, required=True, help="an origin it does not allow")
    args = parser.parse_args()
    gateway, key = args.gateway, args.key

    content = "Aurelia keeps three beehives on the roof of the library"
    call(gateway, key, "POST", "/v1/memories", {"cube_id": "dev", "content": content, "tags": ["bees"]})
    stranger = call(gateway, key, "POST", "/v1/users", {"name": "browser-stranger"})
    stranger_key = call(gateway, key, "POST", "/v1/keys", {"user_id": stranger["id"]})["key"]

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 20)
    step = "start"
    try:
        def shot(name):
            driver.save_screenshot(f"{args.screenshots}/{name}.png")

        def results():
            return driver.find_element(By.ID, "results").text

        def sign_in(with_key):
            driver.find_element(By.ID, "key").send_keys(with_key)
            driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
            wait.until(ec.visibility_of_element_located((By.ID, "app")))

        step = "sign in"
        driver.get(gateway + "/ui")
        sign_in(key)
        wait.until(lambda d: "dev" in [o.get_attribute("value") for o in Select(d.find_element(By.ID, "cube")).options])
        wait.until(lambda d: content in results())
        shot("list")

        step = "search"
        driver.find_element(By.ID, "query").send_keys("who keeps beehives on the library roof")
        driver.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()
        # The list already shows the memory: wait for the search's own answer, whose hits carry explanations.
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#results .why")))
        wait.until(lambda d: content in results())
        # Each hit says why it scored so: the words it shares with the question among them.
        why = driver.find_element(By.CSS_SELECTOR, "#results .why").text
        if "keyword coverage" not in why or "beehiv" not in why:
            raise AssertionError(f"the hit's explanation is {why!r}")
        shot("search")

        step = "open, delete and restore"
        driver.find_element(By.CSS_SELECTOR, "#results li button").click()
        wait.until(ec.visibility_of_element_located((By.ID, "detail")))
        wait.until(lambda d: content in d.find_element(By.ID, "memory").text)
        shot("memory")
        driver.find_element(By.ID, "delete").click()
        wait.until(lambda d: content not in results())
        Select(driver.find_element(By.ID, "status")).select_by_visible_text("deleted")
        driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
        wait.until(lambda d: content in results())
        driver.find_element(By.ID, "restore").click()
        wait.until(lambda d: content not in results())
        Select(driver.find_element(By.ID, "status")).select_by_visible_text("active")
        driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
        wait.until(lambda d: content in results())

        step = "a stranger sees none of the cubes"
        driver.find_element(By.ID, "signout").click()
        wait.until(ec.invisibility_of_element_located((By.ID, "app")))
        sign_in(stranger_key)
        time.sleep(1)
        cubes = [o.get_attribute("value") for o in Select(driver.find_element(By.ID, "cube")).options]
        if "dev" in cubes or content in results():
            raise AssertionError(f"the stranger sees {cubes} and {results()!r}")
        shot("stranger")

        step = "a page on another origin"
        for port in (args.app_port, args.other_port):
            handler = functools.partial(QuietHandler, directory=args.screenshots)
            server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                driver.get(f"http://127.0.0.1:{port}/")
                answer = driver.execute_async_script(
                    "const done = arguments[arguments.length - 1];"
                    "fetch(arguments[0] + '/v1/cubes', {headers: {Authorization: 'Bearer ' + arguments[1]}})"
                    ".then(r => r.json()).then(j => done(JSON.stringify(j))).catch(e => done('refused: ' + e));",
                    gateway, key)
            finally:
                server.shutdown()
            allowed = port == args.app_port
            if allowed and '"cube_id":"dev"' not in answer.replace(" ", ""):
                raise AssertionError(f"the allowed origin got {answer[:200]!r}")
            if not allowed and not answer.startswith("refused"):
                raise AssertionError(f"an origin not allowed got {answer[:200]!r}")
    except Exception as error:  # report the step, with the page's error line
        alert = ""
        try:
            alert = driver.find_element(By.ID, "error").text
        except Exception:
            pass
        print(f"browser_test: failed at '{step}': {type(error).__name__}: {error} (page error: {alert!r})",
              file=sys.stderr)
        driver.save_screenshot(f"{args.screenshots}/failure.png")
        return 1
    finally:
        driver.quit()
    print("browser_test: sign in, search, open, delete, restore, a stranger's view and cross-origin calls passed",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
