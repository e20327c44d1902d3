"""End to end in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by Selenium).

The server runs in this process on a free loopback port; the page is driven through its data-testid controls.
Set LAMINA_PLAYGROUND_SCREENSHOT=path.png to keep the screenshot of the trained circle.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from lamina.playground.server import start

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def url():
    server, _ = start("127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.stop()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), \
        "the end-to-end tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def by_id(driver, testid):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')


def text(driver, testid) -> str:
    return by_id(driver, testid).text


def number(driver, testid) -> float:
    value = text(driver, testid)
    return float(value) if re.fullmatch(r"[\d.]+", value) else float("inf")


def wait(driver, condition, seconds=30):
    return WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda d: condition(d))


def open_page(driver, url, hash_=""):
    driver.get("about:blank")  # a fresh load (a new session), not a change of the hash
    driver.get(url + hash_)
    wait(driver, lambda d: text(d, "epoch") == "0" and text(d, "test-loss") != "-")


def pause(driver):
    if by_id(driver, "play").get_attribute("data-playing") == "true":
        by_id(driver, "play").click()
    wait(driver, lambda d: by_id(d, "play").get_attribute("data-playing") == "false")


def test_circle_learns_below_a_tenth_and_is_drawn(browser, url, tmp_path):
    open_page(browser, url)
    Select(by_id(browser, "dataset")).select_by_value("xor")
    wait(browser, lambda d: "dataset=xor" in d.current_url)
    Select(by_id(browser, "dataset")).select_by_value("circle")
    wait(browser, lambda d: "dataset=circle" in d.current_url)
    by_id(browser, "play").click()
    wait(browser, lambda d: number(d, "test-loss") < 0.1, seconds=90)
    assert int(text(browser, "epoch")) > 0 and number(browser, "train-loss") < 0.2
    by_id(browser, "show-test").click()
    path = Path(os.environ.get("LAMINA_PLAYGROUND_SCREENSHOT") or tmp_path / "circle.png")
    assert browser.save_screenshot(str(path)) and path.stat().st_size > 20_000
    # the surface is drawn: blue (+1) at the centre, orange (-1) in a corner
    centre, corner = browser.execute_script(
        "const c = arguments[0].getContext('2d');"
        "return [Array.from(c.getImageData(150, 150, 1, 1).data), Array.from(c.getImageData(3, 3, 1, 1).data)];",
        by_id(browser, "decision-surface"))
    assert centre[2] > centre[0] and corner[0] > corner[2]
    pause(browser)


def test_spiral_with_more_layers_and_three_classes(browser, url):
    open_page(browser, url)
    Select(by_id(browser, "dataset")).select_by_value("spiral")
    wait(browser, lambda d: "dataset=spiral" in d.current_url)
    Select(by_id(browser, "classes")).select_by_value("3")
    by_id(browser, "add-layer").click()
    wait(browser, lambda d: "layers=4%2C2%2C2" in d.current_url)
    by_id(browser, "add-neuron-2").click()
    wait(browser, lambda d: "layers=4%2C2%2C3" in d.current_url and "classes=3" in d.current_url)
    assert by_id(browser, "neuron-2-2").is_displayed()
    Select(by_id(browser, "activation")).select_by_value("relu")
    Select(by_id(browser, "optimizer")).select_by_value("adam")
    wait(browser, lambda d: by_id(d, "beta1").is_displayed() and not by_id(d, "momentum").is_displayed())
    before = number(browser, "train-loss")
    by_id(browser, "play").click()
    wait(browser, lambda d: int(text(d, "epoch")) >= 20)
    pause(browser)
    assert number(browser, "train-loss") < before


def test_a_link_restores_its_configuration(browser, url):
    open_page(browser, url, "#dataset=xor&layers=3&activation=relu&learning_rate=0.1&features=x1%2Cx2%2Cx1x2")
    wait(browser, lambda d: Select(by_id(d, "dataset")).first_selected_option.get_attribute("value") == "xor")
    assert Select(by_id(browser, "activation")).first_selected_option.get_attribute("value") == "relu"
    assert Select(by_id(browser, "learning-rate")).first_selected_option.get_attribute("value") == "0.1"
    assert "off" not in by_id(browser, "feature-x1x2").get_attribute("class")
    assert "off" in by_id(browser, "feature-x1sq").get_attribute("class")


def test_csv_upload_good_and_malformed(browser, url, tmp_path):
    open_page(browser, url)
    good = tmp_path / "good.csv"
    good.write_text("x1,x2,label\n" + "".join(f"{x / 10},{x / 20},{int(x > 0)}\n" for x in range(-50, 50, 2)))
    by_id(browser, "csv-upload").send_keys(str(good))
    wait(browser, lambda d: "dataset=csv" in d.current_url)
    assert not by_id(browser, "error").is_displayed()
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,0\n3,4\n")
    by_id(browser, "csv-upload").send_keys(str(bad))
    wait(browser, lambda d: by_id(d, "error").is_displayed())
    assert "csv line 2: expected 3 columns x1,x2,label, got 2" in text(browser, "error")
    assert "dataset=csv" in browser.current_url  # the good data stays


def test_export_reproduces_the_page(browser, url, tmp_path):
    open_page(browser, url, "#noise=10&batch_size=5&regularization=l2&regularization_rate=0.003")
    for k in range(1, 4):
        by_id(browser, "step").click()
        wait(browser, lambda d: text(d, "epoch") == str(k))
    page_train, page_test = text(browser, "train-loss"), text(browser, "test-loss")
    by_id(browser, "export").click()
    wait(browser, lambda d: by_id(d, "export-script").is_displayed())
    script = tmp_path / "playground_run.py"
    script.write_text(browser.execute_script("return arguments[0].textContent", by_id(browser, "export-script")))
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    train, test = re.search(r"epoch 3: train loss ([\d.]+), test loss ([\d.]+)", done.stdout).groups()
    assert f"{float(train):.3f}" == page_train and f"{float(test):.3f}" == page_test


def test_a_weight_is_explained_and_edited(browser, url):
    open_page(browser, url)
    link = by_id(browser, "weight-1-0-1")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click'))", link)
    wait(browser, lambda d: "dL/dW2[0,1]" in text(d, "explain-text"))
    assert "the engine's gradient" in text(browser, "explain-text")
    field = by_id(browser, "weight-value")
    field.clear()
    field.send_keys("1.5\n")
    wait(browser, lambda d: "weight 1.500" in d.execute_script("return arguments[0].textContent", link))
    wait(browser, lambda d: "W2[0, 1] = 1.5 " in text(d, "explain-text"))


def test_a_neurons_bias_is_explained(browser, url):
    open_page(browser, url)
    by_id(browser, "neuron-0-1").click()
    wait(browser, lambda d: "dL/db1[1]" in text(d, "explain-text"))
    assert "bias b1[1]" in text(browser, "explain-text").splitlines()[0].replace("neuron 1 of layer 1: ", "")
