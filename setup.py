"""Packaging for warp_lca, driven by nbdev's settings.ini (no pkg_resources: current setuptools lacks it)."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

requirements = cfg.get('requirements', '').split()
widgets_requirements = cfg.get('widgets_requirements', '').split()
dev_requirements = widgets_requirements + cfg.get('dev_requirements', '').split()  # [dev] includes [widgets]
console_scripts = [s.strip() for s in cfg.get('console_scripts', '').split('\n') if s.strip()]

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    license='Apache-2.0',
    keywords=cfg['keywords'],
    python_requires=f">={cfg['min_python']}",
    packages=setuptools.find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']),
    include_package_data=True,
    package_data={cfg['lib_path']: ['assets/*.safetensors', 'assets/*.json']},
    install_requires=requirements,
    extras_require={'widgets': widgets_requirements, 'dev': dev_requirements},
    entry_points={'console_scripts': console_scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
